// Heroku's regions: Slipway's one (control-plane/regions.ts), by name or id.
import Router from '@koa/router';
import { NotFoundError } from '../../common/errors.js';
import { spec } from '../http/api-spec.js';
import { REGION, regionJson } from '../regions.js';

export function regionHandlers(brand: { name: string; cliCommand: string }): Router {
  const router = new Router();

  router.get('/regions', spec({ summary: 'Regions: this platform’s one', response: { shape: 'RegionJson', list: true } }), (ctx) => {
    ctx.body = [regionJson(brand)];
  });

  router.get('/regions/:region', spec({ summary: 'One region', response: { shape: 'RegionJson' } }), (ctx) => {
    const ref = ctx.params.region!;
    if (ref !== REGION.name && ref !== REGION.id) throw new NotFoundError(`Couldn't find that region (${ref}): this platform has one, ${REGION.name}.`);
    ctx.body = regionJson(brand);
  });

  return router;
}
