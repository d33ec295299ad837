import Router from '@koa/router';
import { z } from 'zod';
import { InvalidParamsError, NotFoundError, SlipwayError } from '../../common/errors.js';
import type { AcmManager } from '../acme/manager.js';
import { loadApp } from '../http/load-app.js';
import { bodyOf, spec } from '../http/api-spec.js';
import type { Services } from '../services.js';
import { describeApp } from './apps.js';

const refresh = z.object({ acm_refresh: z.literal(true) });

/** An ACME challenge token as CAs make them (base64url, RFC 8555 section 8.3). */
const CHALLENGE_TOKEN = /^[A-Za-z0-9_-]{16,128}$/;

// Heroku's Automated Certificate Management: on, off and refresh for an app (`certs:auto:*`);
// each domain's state is in its domain (acm_status, acm_status_reason).
export function acmHandlers(services: Services): Router {
  const router = new Router();
  const offered = (): AcmManager => {
    if (!services.acm) throw new SlipwayError('acm_unavailable', 'Automatic certificates are not offered here: the operator has configured no ACME certificate authority.', { status: 422 });
    return services.acm;
  };

  router.post('/apps/:app/acm', spec({ summary: 'Turns on automatic certificates for the app’s custom domains', response: { shape: 'AppJson' } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    const acm = offered();
    ctx.body = await describeApp(services, await acm.enable(app));
  });

  router.delete('/apps/:app/acm', spec({ summary: 'Turns automatic certificates off, removing the ones it issued', response: { shape: 'AppJson' } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    const acm = offered();
    ctx.body = await describeApp(services, await acm.disable(app));
  });

  router.patch('/apps/:app/acm', spec({ summary: 'Tries every custom domain’s certificate again now', body: refresh, response: { shape: 'AppJson' } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    const acm = offered();
    bodyOf(ctx, refresh);
    if (!app.acm) throw new InvalidParamsError(`Automatic certificates are off for ${app.name}: turn them on first.`);
    await acm.refresh(app);
    void acm.passes.run();
    ctx.body = await describeApp(services, app);
  });

  return router;
}

/** The HTTP-01 answers (RFC 8555 section 8.3): the routers send every host's
 *  /.well-known/acme-challenge/ here, without credentials, as the CA fetches them. */
export function acmeChallengeHandlers(services: Services): Router {
  const router = new Router();
  router.get('/.well-known/acme-challenge/:token', spec({ summary: 'An ACME HTTP-01 challenge’s key authorization (for the CA)', response: { stream: 'text' } }), async (ctx) => {
    const token = ctx.params.token!;
    const answer = CHALLENGE_TOKEN.test(token) ? await services.acmStore.challenge(token) : null;
    if (answer === null) throw new NotFoundError('No such ACME challenge is being answered.');
    ctx.type = 'text/plain';
    ctx.body = answer;
  });
  return router;
}
