import Router from '@koa/router';
import { NotFoundError } from '../../common/errors.js';
import { loadApp } from '../http/load-app.js';
import { dynoJson } from '../http/representations.js';
import type { Services } from '../services.js';

export function dynoRoutes(services: Services): Router {
  const router = new Router();

  router.get('/apps/:app/dynos', async (ctx) => {
    const app = await loadApp(ctx, services);
    const release = await services.releases.current(app.id);
    const instances = await services.instances.listForApp(app.id);
    ctx.body = instances.map((i) => dynoJson(i, app, release?.processTypes[i.type] ?? null));
  });

  /** Restart: fresh instances replace the named ones (or all), which stop once those are up. */
  const restart = async (appId: string, name: string | null) => {
    const instances = await services.instances.listForApp(appId);
    const chosen = instances.filter((i) => name === null || `${i.type}.${i.index}` === name || i.type === name);
    if (name !== null && chosen.length === 0) throw new NotFoundError(`Couldn't find that dyno (${name}).`);
    for (const instance of chosen) {
      await services.reconciler.updateInstance(instance.id, (current) =>
        current.state === 'stopping' ? null : { retiring: true },
      );
    }
    void services.reconciler.reconcileApp(appId);
  };

  router.delete('/apps/:app/dynos', async (ctx) => {
    const app = await loadApp(ctx, services);
    await restart(app.id, null);
    ctx.status = 202;
    ctx.body = {};
  });

  router.delete('/apps/:app/dynos/:dyno', async (ctx) => {
    const app = await loadApp(ctx, services);
    await restart(app.id, ctx.params.dyno!);
    ctx.status = 202;
    ctx.body = {};
  });

  return router;
}
