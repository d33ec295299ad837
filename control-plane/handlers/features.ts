// Heroku's app features (labs): Slipway has none to switch, so the list is empty and any one
// named is a 404 that says so.
import Router from '@koa/router';
import { NotFoundError } from '../../common/errors.js';
import { loadApp } from '../http/load-app.js';
import { spec } from '../http/api-spec.js';
import type { Services } from '../services.js';

export function featureHandlers(services: Services): Router {
  const router = new Router();

  router.get('/apps/:app/features', spec({ summary: 'App features: none to switch', response: { emptyList: true } }), async (ctx) => {
    await loadApp(ctx, services);
    ctx.body = [];
  });

  for (const method of ['get', 'patch'] as const) {
    router[method]('/apps/:app/features/:feature', spec({ summary: 'An app feature: none to switch (404 saying so)', response: { errorOnly: true } }), async (ctx) => {
      await loadApp(ctx, services);
      throw new NotFoundError(`Couldn't find that feature (${ctx.params.feature}): ${services.brand.name} has no app features to switch.`);
    });
  }

  return router;
}
