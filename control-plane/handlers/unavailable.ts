// Heroku resources Slipway does not have (yet), answered in the one error shape with a message
// that says so, instead of "No route": the stock Heroku CLI prints the message. Lists that are
// truthfully empty (an app's webhooks, pipeline coupling) answer as Heroku does for
// an app without any: [] or 404.
import Router from '@koa/router';
import { NotFoundError, SlipwayError } from '../../common/errors.js';
import { loadApp } from '../http/load-app.js';
import { spec } from '../http/api-spec.js';
import type { Services } from '../services.js';

/** App-scoped lists that are empty on Slipway, and what to say when one is created. */
const EMPTY_APP_LISTS: readonly { path: string; what: string }[] = [
  { path: 'webhooks', what: 'webhooks' },
];

/** Account-wide resources Slipway has none of. */
const ABSENT: readonly { paths: string[]; what: string }[] = [
  { paths: ['/spaces', '/spaces/:space'], what: 'private spaces' },
  { paths: ['/pipelines', '/pipelines/:pipeline', '/pipelines/:pipeline/pipeline-couplings'], what: 'pipelines' },
];

export function unavailableHandlers(services: Services): Router {
  const router = new Router();

  for (const { path, what } of EMPTY_APP_LISTS) {
    router.get(`/apps/:app/${path}`, spec({ summary: `The app’s ${what}: none yet`, response: { emptyList: true } }), async (ctx) => {
      await loadApp(ctx, services);
      ctx.body = [];
    });
    router.post(`/apps/:app/${path}`, spec({ summary: `Creating ${what}: not offered yet (422 saying so)`, response: { errorOnly: true } }), async (ctx) => {
      await loadApp(ctx, services);
      throw new SlipwayError('not_supported', `${services.brand.name} has no ${what} yet.`, { status: 422 });
    });
  }

  // Heroku answers 404 for an app in no pipeline; on Slipway none is.
  router.get('/apps/:app/pipeline-couplings', spec({ summary: 'Pipelines: none yet (404 saying so)', response: { errorOnly: true } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    throw new NotFoundError(`${app.name} is in no pipeline: ${services.brand.name} has no pipelines yet.`);
  });

  for (const { paths, what } of ABSENT) {
    for (const path of paths) {
      router.all(path, spec({ summary: `${what}: none yet (404 saying so)`, response: { errorOnly: true } }), () => {
        throw new NotFoundError(`${services.brand.name} has no ${what} yet.`);
      });
    }
  }

  return router;
}
