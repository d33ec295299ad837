import Router from '@koa/router';
import { z } from 'zod';
import { InvalidParamsError, NotFoundError, UnauthorizedError } from '../../common/errors.js';
import { basicUserName } from '../auth/credentials.js';
import type { User } from '../../common/types.js';
import type { Context } from 'koa';
import { requireAdmin } from '../http/auth.js';
import { namedUser, visibleUser } from '../http/load-user.js';
import { accountJson, authorizationJson, tokenJson } from '../http/representations.js';
import { validateBody } from '../http/validate.js';
import type { Services } from '../services.js';

const newToken = z.object({ description: z.string().max(200).default('') });
const newUser = z.object({ email: z.string().email(), admin: z.boolean().default(false) });
/** Heroku's authorization create (scope and expiry are accepted; Slipway's tokens are global and do not expire). */
const newAuthorization = z.object({ description: z.string().max(200).optional(), scope: z.array(z.string()).optional(), expires_in: z.number().nullable().optional() });
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

  router.get('/account', (ctx) => {
    ctx.body = accountJson(ctx.state.user as User);
  });

  router.get('/account/tokens', async (ctx) => {
    ctx.body = (await services.users.listTokens((ctx.state.user as User).id)).map(tokenJson);
  });

  // The new token's plaintext appears in this response only.
  router.post('/account/tokens', async (ctx) => {
    const { description } = validateBody(newToken, ctx.request.body);
    const { token, info } = await services.users.issueToken((ctx.state.user as User).id, description);
    ctx.status = 201;
    ctx.body = { ...tokenJson(info), token };
  });

  router.delete('/account/tokens/:id', async (ctx) => {
    await revokeNamedToken(ctx, services, (ctx.state.user as User).id);
  });

  // Heroku's OAuth authorizations are its API tokens (`heroku auth:token`, `authorizations`):
  // the caller's tokens in that shape, read-only.
  router.get('/oauth/authorizations', async (ctx) => {
    const user = ctx.state.user as User;
    ctx.body = (await services.users.listTokens(user.id)).map((token) => authorizationJson(token, user));
  });

  // Heroku's `login -i`: email and password in Basic auth, answered with a new token. Slipway's
  // password here is an API token of the account (as for git), until accounts have passwords;
  // an email that is not the token's account is refused like a wrong password.
  router.post('/oauth/authorizations', async (ctx) => {
    const user = ctx.state.user as User;
    const named = basicUserName(ctx.get('authorization'));
    if (named !== null && named.includes('@') && named.toLowerCase() !== user.email.toLowerCase()) throw new UnauthorizedError('Invalid credentials provided.');
    const { description } = validateBody(newAuthorization, ctx.request.body);
    const { token, info } = await services.users.issueToken(user.id, description ?? `Authorization made on ${new Date().toISOString().slice(0, 10)}`);
    ctx.status = 201;
    ctx.body = { ...authorizationJson(info, user), access_token: { id: info.id, token, expires_in: null } };
  });

  // `logout` revokes the token it used, found among the authorizations.
  router.delete('/oauth/authorizations/:id', async (ctx) => {
    const user = ctx.state.user as User;
    const token = (await services.users.listTokens(user.id)).find((t) => t.id === ctx.params.id);
    if (!token) throw new NotFoundError(`Couldn't find that authorization (${ctx.params.id}).`);
    await revokeNamedToken(ctx, services, user.id);
    ctx.body = authorizationJson(token, user);
  });

  // Heroku's SSO sessions: Slipway has none (the CLI's logout tolerates this 404).
  router.delete('/oauth/sessions/:id', (ctx) => {
    ctx.status = 404;
    ctx.body = { id: 'not_found', message: 'Slipway has no SSO sessions.', resource: 'session' };
  });

  // Heroku's `~` is the dashboard's API key; Slipway's tokens are all alike, so there is none.
  router.get('/oauth/authorizations/~', (ctx) => {
    ctx.status = 404;
    ctx.body = { id: 'not_found', message: 'Slipway has no default API key: every token is an authorization.', resource: 'authorization' };
  });

  router.get('/oauth/authorizations/:id', async (ctx) => {
    const user = ctx.state.user as User;
    const token = (await services.users.listTokens(user.id)).find((t) => t.id === ctx.params.id);
    if (!token) throw new NotFoundError(`Couldn't find that authorization (${ctx.params.id}).`);
    ctx.body = authorizationJson(token, user);
  });

  // Operators create users; each user gets a first token.
  router.post('/users', requireAdmin, async (ctx) => {
    const { email, admin } = validateBody(newUser, ctx.request.body);
    const user = await services.users.create(email, admin);
    const { token } = await services.users.issueToken(user.id, 'first token');
    ctx.status = 201;
    ctx.body = { ...accountJson(user), token };
  });

  router.get('/users', requireAdmin, async (ctx) => {
    ctx.body = (await services.users.list()).map(accountJson);
  });

  router.get('/users/:user', async (ctx) => {
    ctx.body = accountJson(await visibleUser(ctx, services));
  });

  // Operators disable an account (its tokens are refused from the next request on, git
  // included) and enable it again; its apps, tokens and data are kept.
  router.patch('/users/:user', requireAdmin, async (ctx) => {
    const { disabled } = validateBody(userUpdate, ctx.request.body);
    const user = await namedUser(ctx, services);
    if (disabled && user.id === (ctx.state.user as User).id) {
      throw new InvalidParamsError('You cannot disable your own account: ask another operator.');
    }
    const updated = await services.users.setDisabled(user.id, disabled);
    if (!updated) throw new NotFoundError(`Couldn't find that user (${ctx.params.user}).`);
    if (disabled) services.accessCutoff.announce({ userId: user.id, tokenIds: 'all' });
    ctx.body = accountJson(updated);
  });

  router.get('/users/:user/tokens', requireAdmin, async (ctx) => {
    const user = await namedUser(ctx, services);
    ctx.body = (await services.users.listTokens(user.id)).map(tokenJson);
  });

  // Revokes every token the user has (a leaked laptop, someone leaving); they answer 401 at once.
  router.delete('/users/:user/tokens', requireAdmin, async (ctx) => {
    const user = await namedUser(ctx, services);
    const revoked = await services.users.revokeAllTokens(user.id);
    services.accessCutoff.announce({ userId: user.id, tokenIds: 'all' });
    ctx.body = revoked.map(tokenJson);
  });

  router.delete('/users/:user/tokens/:id', requireAdmin, async (ctx) => {
    await revokeNamedToken(ctx, services, (await namedUser(ctx, services)).id);
  });

  return router;
}
