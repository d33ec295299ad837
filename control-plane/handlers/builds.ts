import Router from '@koa/router';
import { NotFoundError } from '../../common/errors.js';
import { loadApp } from '../http/load-app.js';
import { buildJson } from '../http/representations.js';
import { spec } from '../http/api-spec.js';
import type { Services } from '../services.js';

export function buildHandlers(services: Services): Router {
  const router = new Router();

  router.get('/apps/:app/builds', spec({ summary: 'The app’s builds, newest first', response: { shape: 'BuildJson', list: true } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    ctx.body = (await services.builds.list(app.id)).map((b) => buildJson(b, app));
  });

  router.get('/apps/:app/builds/:build', spec({ summary: 'One build', response: { shape: 'BuildJson' } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    const build = await services.builds.get(ctx.params.build!);
    if (!build || build.appId !== app.id) throw new NotFoundError(`Couldn't find that build (${ctx.params.build}).`);
    ctx.body = buildJson(build, app);
  });

  return router;
}
