// Sign-in through the provider's identity provider, before there is a token (accounts/sso-login.ts):
// the CLI creates a session and polls it with its poll secret; the browser starts it and comes
// back from the IdP to the callback, and is answered with small pages, errors included.
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { SlipwayError } from '../../common/errors.js';
import type { SsoLoginJson, SsoSessionJson } from '../../common/api-shapes.js';
import type { User } from '../../common/types.js';
import type { SsoLogin } from '../accounts/sso-login.js';
import { auditEntryOf } from '../http/audit-trail.js';
import { credentialsFromHeader } from '../auth/credentials.js';
import { bodyOf, queryOf, spec } from '../http/api-spec.js';
import { requestOrigin } from '../http/origin.js';
import type { Services } from '../services.js';

/** How often the CLI polls a session. */
export const SSO_POLL_INTERVAL_SECONDS = 1;

const newSession = z.object({ description: z.string().max(200).optional() });
const startQuery = z.object({ session: z.string().min(1).max(100) });
// What RFC 6749 allows in each (visible ASCII), as long as a request line can carry.
const callbackQuery = z.object({
  state: z.string().regex(/^[\x20-\x7e]*$/).max(256).optional(),
  code: z.string().regex(/^[\x21-\x7e]*$/).max(2048).optional(),
  error: z.string().regex(/^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/).max(100).optional(),
});

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Pure: a page for the browser. */
export function browserPage(title: string, message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></body></html>\n`;
}

export class SsoNotConfiguredError extends SlipwayError {
  constructor() {
    super('sso_not_configured', 'This platform has no single sign-on: log in with --email, or with a token.', { status: 404 });
  }
}

export function ssoHandlers(services: Services, middleware: { perAddress: Middleware; json: Middleware[] }): Router {
  const router = new Router({ prefix: '/auth/sso' });
  const sso = (): SsoLogin => {
    if (!services.sso) throw new SsoNotConfiguredError();
    return services.sso;
  };

  /** Sign-ins and the tokens they make are in the audit log, though they are GETs (the
   *  browser's redirects, the CLI's poll); a refused sign-in has no actor. */
  const audit = (ctx: Context, route: string, status: number, user: User | undefined) =>
    services.audit
      .record(auditEntryOf({ method: 'GET', route, path: ctx.path, status, ip: ctx.ip, requestId: String(ctx.state.requestId ?? '') }, user, undefined, new Date()))
      .catch((err: unknown) => services.logger.warn({ err }, 'recording an audit entry failed'));

  /** The browser gets errors as a page, with their status. */
  const inBrowser = (ctx: Context, err: unknown) => {
    const known = err instanceof SlipwayError && err.expose;
    if (!known) services.logger.warn({ err }, 'single sign-on failed');
    ctx.status = known ? err.status : 500;
    ctx.type = 'html';
    ctx.body = browserPage('Sign-in failed', known ? err.message : 'The sign-in failed on the platform: run the login again.');
  };

  router.post('/sessions', middleware.perAddress, ...middleware.json, spec({ summary: 'Starts a browser login for the CLI (open browser_url, poll with poll_secret)', body: newSession, response: { shape: 'SsoSessionJson', status: 201 } }), async (ctx) => {
    const { description } = bodyOf(ctx, newSession);
    const session = await sso().createSession(description ?? 'slipway CLI single sign-on');
    ctx.status = 201;
    ctx.body = {
      id: session.id,
      browser_url: `${requestOrigin(ctx)}/auth/sso/start?session=${encodeURIComponent(session.id)}`,
      poll_secret: session.pollSecret,
      expires_at: session.expiresAt,
      interval_seconds: SSO_POLL_INTERVAL_SECONDS,
    } satisfies SsoSessionJson;
  });

  router.get('/start', spec({ summary: 'Sends the browser to the identity provider to sign in for a session (once)', query: startQuery, response: { browser: 'redirect' } }), async (ctx) => {
    try {
      const query = queryOf(ctx, startQuery);
      if (!query.success) throw new SlipwayError('invalid_params', 'This link lacks its session: open the URL the CLI printed.', { status: 422 });
      ctx.redirect((await sso().start(query.data.session)).href);
    } catch (err) {
      inBrowser(ctx, err);
    }
  });

  router.get('/callback', spec({ summary: 'Where the identity provider sends the browser back: the sign-in is judged, the CLI told', query: callbackQuery, response: { browser: 'page' } }), async (ctx) => {
    try {
      if (!queryOf(ctx, callbackQuery).success) throw new SlipwayError('invalid_params', 'This is not an answer from the identity provider.', { status: 400 });
      const user = await sso().callback(new URLSearchParams(ctx.querystring));
      ctx.type = 'html';
      ctx.body = browserPage('Logged in', `Logged in as ${user.email}. You can close this window and go back to the terminal.`);
      await audit(ctx, '/auth/sso/callback', 200, user);
    } catch (err) {
      inBrowser(ctx, err);
      if (!(err instanceof SsoNotConfiguredError)) await audit(ctx, '/auth/sso/callback', ctx.status, undefined);
    }
  });

  router.get('/sessions/:id', spec({ summary: 'Polls a browser login with its poll secret (Authorization: Bearer): the token once it is done', response: { shape: 'SsoLoginJson' } }), async (ctx) => {
    const pollSecret = credentialsFromHeader(ctx.get('authorization'));
    if (!pollSecret) throw new SlipwayError('unauthorized', 'Poll with the session\'s poll_secret as a bearer token.', { status: 401 });
    const answer = await sso().poll(ctx.params.id!, pollSecret);
    if (answer.status === 'done') await audit(ctx, '/auth/sso/sessions/{id}', 200, answer.user);
    ctx.body = (
      answer.status === 'pending'
        ? { status: 'pending', access_token: null, user: null }
        : { status: 'done', access_token: { ...answer.token, expires_in: null }, user: { id: answer.user.id, email: answer.user.email } }
    ) satisfies SsoLoginJson;
  });

  return router;
}
