// Heroku's log-drain resource (`heroku drains`, `drains:add`, `drains:remove`): an app's drains,
// named in URLs by id, URL or token. A drain URL may carry credentials (user:password@, a
// token in the path), so reading drains takes the same right as reading config vars: change.
import Router from '@koa/router';
import { z } from 'zod';
import { loadApp } from '../http/load-app.js';
import { bodyOf, spec } from '../http/api-spec.js';
import { logDrainJson } from '../http/representations.js';
import type { Services } from '../services.js';

const create = z.object({ url: z.string().min(1) });

export function logDrainHandlers(services: Services): Router {
  const router = new Router();

  router.get('/apps/:app/log-drains', spec({ summary: 'The app’s log drains', response: { shape: 'LogDrainJson', list: true } }), async (ctx) => {
    const app = await loadApp(ctx, services, 'change');
    ctx.body = (await services.logDrains.list(app)).map((d) => logDrainJson(d, app));
  });

  router.post('/apps/:app/log-drains', spec({ summary: 'Adds a log drain (syslog over TLS, TCP or UDP, or HTTPS)', body: create, response: { shape: 'LogDrainJson', status: 201 } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    const { url } = bodyOf(ctx, create);
    ctx.status = 201;
    ctx.body = logDrainJson(await services.logDrains.add(app, url), app);
  });

  router.get('/apps/:app/log-drains/:drain', spec({ summary: 'One log drain, by id, URL or token', response: { shape: 'LogDrainJson' } }), async (ctx) => {
    const app = await loadApp(ctx, services, 'change');
    ctx.body = logDrainJson(await services.logDrains.find(app, ctx.params.drain!), app);
  });

  router.delete('/apps/:app/log-drains/:drain', spec({ summary: 'Removes a log drain', response: { shape: 'LogDrainJson' } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    ctx.body = logDrainJson(await services.logDrains.remove(app, ctx.params.drain!), app);
  });

  return router;
}
