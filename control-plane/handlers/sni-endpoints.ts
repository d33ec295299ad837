import Router from '@koa/router';
import { z } from 'zod';
import { NotFoundError } from '../../common/errors.js';
import { checkCertificate } from '../certificates/validate.js';
import { loadApp } from '../http/load-app.js';
import { sniEndpointJson } from '../http/representations.js';
import { bodyOf, spec } from '../http/api-spec.js';
import type { Services } from '../services.js';

const upload = z.object({ certificate_chain: z.string().min(1).max(64 * 1024), private_key: z.string().min(1).max(16 * 1024) });

// Heroku's SNI endpoints: a certificate for some of the app's custom domains. Keys go in,
// never out.
export function sniEndpointHandlers(services: Services): Router {
  const router = new Router();

  router.get('/apps/:app/sni-endpoints', spec({ summary: 'The app’s SSL certificates', response: { shape: 'SniEndpointJson', list: true } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    ctx.body = (await services.certificates.list(app.id)).map((e) => sniEndpointJson(e, app));
  });

  router.get('/apps/:app/sni-endpoints/:id', spec({ summary: 'One SSL certificate', response: { shape: 'SniEndpointJson' } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    const endpoint = (await services.certificates.list(app.id)).find((e) => e.id === ctx.params.id);
    if (!endpoint) throw new NotFoundError(`Couldn't find that SNI endpoint (${ctx.params.id}).`);
    ctx.body = sniEndpointJson(endpoint, app);
  });

  router.post('/apps/:app/sni-endpoints', spec({ summary: 'Adds a certificate and its key for custom domains it covers', body: upload, response: { shape: 'SniEndpointJson', status: 201 } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    const body = bodyOf(ctx, upload);
    const checked = checkCertificate(body.certificate_chain, body.private_key, await services.apps.domains(app.id));
    const endpoint = await services.certificates.add(app.id, body.certificate_chain, body.private_key, checked);
    ctx.status = 201;
    ctx.body = sniEndpointJson(endpoint, app);
  });

  router.delete('/apps/:app/sni-endpoints/:id', spec({ summary: 'Removes a certificate', response: { shape: 'SniEndpointJson' } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    const removed = await services.certificates.remove(app.id, ctx.params.id!);
    if (!removed) throw new NotFoundError(`Couldn't find that SNI endpoint (${ctx.params.id}).`);
    ctx.body = sniEndpointJson(removed, app);
  });

  return router;
}
