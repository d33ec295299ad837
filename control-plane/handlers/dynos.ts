import Router from '@koa/router';
import { loadApp } from '../http/load-app.js';
import { dynoJson } from '../http/representations.js';
import type { Services } from '../services.js';

export function dynoHandlers(services: Services): Router {
  const router = new Router();

  router.get('/apps/:app/dynos', async (ctx) => {
    const app = await loadApp(ctx, services);
    const release = await services.releases.current(app.id);
    const instances = await services.instances.listForApp(app.id);
    ctx.body = instances.map((i) => dynoJson(i, app, release?.processTypes[i.type] ?? null));
  });

  router.delete('/apps/:app/dynos', async (ctx) => {
    const app = await loadApp(ctx, services);
    await services.lifecycle.restart(app.id, null);
    ctx.status = 202;
    ctx.body = {};
  });

  router.delete('/apps/:app/dynos/:dyno', async (ctx) => {
    const app = await loadApp(ctx, services);
    await services.lifecycle.restart(app.id, ctx.params.dyno!);
    ctx.status = 202;
    ctx.body = {};
  });

  return router;
}
