// Heroku's add-ons and their attachments. Slipway has no add-on providers yet: every list is
// empty (so `heroku addons` and `apps:info` say so), and creating one is a 422 that says why.
import Router from '@koa/router';
import { SlipwayError } from '../../common/errors.js';
import { loadApp } from '../http/load-app.js';
import { spec } from '../http/api-spec.js';
import type { Services } from '../services.js';

export const NO_ADDONS_MESSAGE = 'Slipway has no add-on providers yet: run the service yourself and set its URL with config:set.';

export function addonHandlers(services: Services): Router {
  const router = new Router();
  const none = (ctx: { body: unknown }) => {
    ctx.body = [];
  };

  router.get('/addons', spec({ summary: 'Add-ons: none yet', response: { emptyList: true } }), none);
  router.get('/addon-attachments', spec({ summary: 'Add-on attachments: none yet', response: { emptyList: true } }), none);
  router.get('/apps/:app/addons', spec({ summary: 'The app’s add-ons: none yet', response: { emptyList: true } }), async (ctx) => {
    await loadApp(ctx, services);
    none(ctx);
  });
  router.get('/apps/:app/addon-attachments', spec({ summary: 'The app’s add-on attachments: none yet', response: { emptyList: true } }), async (ctx) => {
    await loadApp(ctx, services);
    none(ctx);
  });
  router.post('/apps/:app/addons', spec({ summary: 'Creating an add-on: not offered yet (422 saying so)', response: { errorOnly: true } }), async (ctx) => {
    await loadApp(ctx, services);
    throw new SlipwayError('addons_unavailable', NO_ADDONS_MESSAGE, { status: 422 });
  });

  return router;
}
