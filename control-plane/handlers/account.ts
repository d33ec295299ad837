import Router from '@koa/router';
import { z } from 'zod';
import { InvalidParamsError, NotFoundError, UnauthorizedError } from '../../common/errors.js';
import { basicUserName } from '../auth/credentials.js';
import type { User } from '../../common/types.js';
import type { InvitationJson } from '../../common/api-shapes.js';
import type { Context } from 'koa';
import { requireAdmin } from '../http/auth.js';
import { namedUser, visibleUser } from '../http/load-user.js';
import { accountJson, authorizationJson, tokenJson } from '../http/representations.js';
import { bodyOf, queryOf, spec } from '../http/api-spec.js';
import { removeAccount } from '../accounts/removal.js';
import type { Services } from '../services.js';

const newToken = z.object({ description: z.string().max(200).default('') });
const newUser = z.object({ email: z.string().email(), admin: z.boolean().default(false) });
/** Heroku's authorization create (scope and expiry are accepted; Slipway's tokens are global and do not expire). */
const newAuthorization = z.object({ description: z.string().max(200).optional(), scope: z.array(z.string()).optional(), expires_in: z.number().nullable().optional() });
const invitation = z.object({ email: z.string().trim().email().max(254) });
const removal = z.object({ destroy_apps: z.enum(['true', 'false']).default('false') });
const userUpdate = z.object({ disabled: z.boolean() }).strict();

/** Revokes the token the path names (`…/tokens/{id}`) of `userId`, or 404s; streams opened
 *  with it end on every control plane. */
async function revokeNamedToken(ctx: Context, services: Services, userId: string): Promise<void> {
  const tokenId = ctx.params.id!;
  if (!(await services.users.revokeToken(userId, tokenId))) throw new NotFoundError(`Couldn't find that token (${tokenId}).`);
  services.accessCutoff.announce({ userId, tokenIds: [tokenId] });
  ctx.body = { id: tokenId };
}

export function accountHandlers(services: Services): Router {
  const router = new Router();

  router.get('/account', spec({ summary: 'The caller’s account', response: { shape: 'AccountJson' } }), (ctx) => {
    ctx.body = accountJson(ctx.state.user as User);
  });

  router.get('/account/tokens', spec({ summary: 'The caller’s API tokens', response: { shape: 'TokenJson', list: true } }), async (ctx) => {
    ctx.body = (await services.users.listTokens((ctx.state.user as User).id)).map(tokenJson);
  });

  // The new token's plaintext appears in this response only.
  router.post('/account/tokens', spec({ summary: 'A new API token (its secret shown once)', body: newToken, response: { shape: 'NewTokenJson', status: 201 } }), async (ctx) => {
    const { description } = bodyOf(ctx, newToken);
    const { token, info } = await services.users.issueToken((ctx.state.user as User).id, description);
    ctx.status = 201;
    ctx.body = { ...tokenJson(info), token };
  });

  router.delete('/account/tokens/:id', spec({ summary: 'Revokes one of the caller’s tokens', response: { shape: 'RevokedTokenJson' } }), async (ctx) => {
    await revokeNamedToken(ctx, services, (ctx.state.user as User).id);
  });

  // Heroku's OAuth authorizations are its API tokens (`heroku auth:token`, `authorizations`):
  // the caller's tokens in that shape, read-only.
  router.get('/oauth/authorizations', spec({ summary: 'The caller’s tokens as Heroku’s OAuth authorizations (redacted)', response: { shape: 'AuthorizationJson', list: true } }), async (ctx) => {
    const user = ctx.state.user as User;
    ctx.body = (await services.users.listTokens(user.id)).map((token) => authorizationJson(token, user));
  });

  // Heroku's `login -i`: email and password in Basic auth, answered with a new token. The
  // password is the account's (checked in accounts/password-login.ts) or one of its API tokens
  // (as for git); an email that is not the token's account is refused like a wrong password.
  router.post('/oauth/authorizations', spec({ summary: 'A new token from an email and a password or API token (login -i)', body: newAuthorization, response: { shape: 'AuthorizationJson', status: 201 } }), async (ctx) => {
    const user = ctx.state.user as User;
    const named = basicUserName(ctx.get('authorization'));
    if (named !== null && named.includes('@') && named.toLowerCase() !== user.email.toLowerCase()) throw new UnauthorizedError('Invalid credentials provided.');
    const { description } = bodyOf(ctx, newAuthorization);
    const { token, info } = await services.users.issueToken(user.id, description ?? `Authorization made on ${new Date().toISOString().slice(0, 10)}`);
    ctx.status = 201;
    ctx.body = { ...authorizationJson(info, user), access_token: { id: info.id, token, expires_in: null } };
  });

  // `logout` revokes the token it used, found among the authorizations.
  router.delete('/oauth/authorizations/:id', spec({ summary: 'Revokes an authorization (logout)', response: { shape: 'AuthorizationJson' } }), async (ctx) => {
    const user = ctx.state.user as User;
    const token = (await services.users.listTokens(user.id)).find((t) => t.id === ctx.params.id);
    if (!token) throw new NotFoundError(`Couldn't find that authorization (${ctx.params.id}).`);
    await revokeNamedToken(ctx, services, user.id);
    ctx.body = authorizationJson(token, user);
  });

  // Heroku's SSO sessions: Slipway has none (the CLI's logout tolerates this 404).
  router.delete('/oauth/sessions/:id', spec({ summary: 'Heroku’s SSO sessions: none here', response: { errorOnly: true } }), (ctx) => {
    ctx.status = 404;
    ctx.body = { id: 'not_found', message: `${services.brand.name} has no SSO sessions.`, resource: 'session' };
  });

  // Heroku's `~` is the dashboard's API key; Slipway's tokens are all alike, so there is none.
  router.get('/oauth/authorizations/~', spec({ summary: 'Heroku’s default API key: none here', response: { errorOnly: true } }), (ctx) => {
    ctx.status = 404;
    ctx.body = { id: 'not_found', message: `${services.brand.name} has no default API key: every token is an authorization.`, resource: 'authorization' };
  });

  router.get('/oauth/authorizations/:id', spec({ summary: 'One authorization', response: { shape: 'AuthorizationJson' } }), async (ctx) => {
    const user = ctx.state.user as User;
    const token = (await services.users.listTokens(user.id)).find((t) => t.id === ctx.params.id);
    if (!token) throw new NotFoundError(`Couldn't find that authorization (${ctx.params.id}).`);
    ctx.body = authorizationJson(token, user);
  });

  // Operators create users; each user gets a first token.
  router.post('/users', spec({ summary: 'Creates a user with a first token (operators)', body: newUser, response: { shape: 'NewUserJson', status: 201 } }), requireAdmin, async (ctx) => {
    const { email, admin } = bodyOf(ctx, newUser);
    const user = await services.users.create(email, admin);
    const { token } = await services.users.issueToken(user.id, 'first token');
    ctx.status = 201;
    ctx.body = { ...accountJson(user), token };
  });

  router.post('/invitations', spec({ summary: 'Invites an email address to sign up (operators)', body: invitation, response: { shape: 'InvitationJson', status: 201 } }), requireAdmin, async (ctx) => {
    const invited = await services.accounts.invite(bodyOf(ctx, invitation).email, ctx.state.user as User);
    ctx.status = 201;
    ctx.body = { email: invited.email, expires_at: invited.expiresAt } satisfies InvitationJson;
  });

  router.get('/users', spec({ summary: 'Every user (operators)', response: { shape: 'AccountJson', list: true } }), requireAdmin, async (ctx) => {
    ctx.body = (await services.users.list()).map(accountJson);
  });

  router.get('/users/:user', spec({ summary: 'A user (yourself, or anyone for operators)', response: { shape: 'AccountJson' } }), async (ctx) => {
    ctx.body = accountJson(await visibleUser(ctx, services));
  });

  // Operators suspend an account (its tokens are refused from the next request on, git
  // included, and its personal apps stop) and enable it again; its apps, tokens and data are kept.
  router.patch('/users/:user', spec({ summary: 'Disables or enables a user (operators)', body: userUpdate, response: { shape: 'AccountJson' } }), requireAdmin, async (ctx) => {
    const { disabled } = bodyOf(ctx, userUpdate);
    const user = await namedUser(ctx, services);
    if (disabled && user.id === (ctx.state.user as User).id) {
      throw new InvalidParamsError('You cannot disable your own account: ask another operator.');
    }
    const updated = await services.users.setDisabled(user.id, disabled);
    if (!updated) throw new NotFoundError(`Couldn't find that user (${ctx.params.user}).`);
    if (disabled) services.accessCutoff.announce({ userId: user.id, tokenIds: 'all' });
    // Their personal apps stop now (or start again); formations, releases and data are kept.
    for (const app of await services.apps.ownedBy(user.id)) void services.converger.convergeApp(app.id);
    ctx.body = accountJson(updated);
  });

  // Deleting an account (operators): refused while it owns apps unless they go with it
  // (`destroy_apps=true`), or while it alone administers a team others use.
  router.delete('/users/:user', spec({ summary: 'Deletes a user, and with destroy_apps=true their apps (operators)', query: removal, response: { shape: 'AccountJson' } }), requireAdmin, async (ctx) => {
    const query = queryOf(ctx, removal);
    if (!query.success) throw new InvalidParamsError('destroy_apps is true or false.');
    const user = await namedUser(ctx, services);
    if (user.id === (ctx.state.user as User).id) throw new InvalidParamsError('You cannot delete your own account: ask another operator.');
    await removeAccount(services, user, { destroyApps: query.data.destroy_apps === 'true' });
    ctx.body = accountJson(user);
  });

  router.get('/users/:user/tokens', spec({ summary: 'A user’s tokens (operators)', response: { shape: 'TokenJson', list: true } }), requireAdmin, async (ctx) => {
    const user = await namedUser(ctx, services);
    ctx.body = (await services.users.listTokens(user.id)).map(tokenJson);
  });

  // Revokes every token the user has (a leaked laptop, someone leaving); they answer 401 at once.
  router.delete('/users/:user/tokens', spec({ summary: 'Revokes every token of a user (operators)', response: { shape: 'TokenJson', list: true } }), requireAdmin, async (ctx) => {
    const user = await namedUser(ctx, services);
    const revoked = await services.users.revokeAllTokens(user.id);
    services.accessCutoff.announce({ userId: user.id, tokenIds: 'all' });
    ctx.body = revoked.map(tokenJson);
  });

  router.delete('/users/:user/tokens/:id', spec({ summary: 'Revokes one token of a user (operators)', response: { shape: 'RevokedTokenJson' } }), requireAdmin, async (ctx) => {
    await revokeNamedToken(ctx, services, (await namedUser(ctx, services)).id);
  });

  return router;
}
