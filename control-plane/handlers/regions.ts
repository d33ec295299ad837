// Heroku's regions: Slipway's one (control-plane/regions.ts), by name or id.
import Router from '@koa/router';
import { NotFoundError } from '../../common/errors.js';
import { REGION } from '../regions.js';

export function regionHandlers(): Router {
  const router = new Router();

  router.get('/regions', (ctx) => {
    ctx.body = [REGION];
  });

  router.get('/regions/:region', (ctx) => {
    const ref = ctx.params.region!;
    if (ref !== REGION.name && ref !== REGION.id) throw new NotFoundError(`Couldn't find that region (${ref}): this platform has one, ${REGION.name}.`);
    ctx.body = REGION;
  });

  return router;
}
