import Router from '@koa/router';
import { z } from 'zod';
import { NotFoundError } from '../../common/errors.js';
import { DYNO_SIZES, type DynoSize } from '../../common/types.js';
import { loadApp } from '../http/load-app.js';
import { formationJson } from '../http/representations.js';
import { validateBody } from '../http/validate.js';
import type { Services } from '../services.js';

export const MAX_QUANTITY = 100;

const size = z.enum(Object.keys(DYNO_SIZES) as [DynoSize, ...DynoSize[]]);
const quantity = z.number().int().min(0).max(MAX_QUANTITY);
const update = z.object({ quantity: quantity.optional(), size: size.optional() });
const batch = z.object({ updates: z.array(update.extend({ type: z.string() })).min(1) });

export function formationHandlers(services: Services): Router {
  const router = new Router();

  const show = async (appId: string) => {
    const app = (await services.apps.get(appId))!;
    const release = await services.releases.current(app.id);
    const formation = await services.apps.formation(app.id);
    return formation.map((f) => formationJson(f, app, release?.processTypes[f.type] ?? null));
  };

  router.get('/apps/:app/formation', async (ctx) => {
    const app = await loadApp(ctx, services);
    ctx.body = await show(app.id);
  });

  router.get('/apps/:app/formation/:type', async (ctx) => {
    const app = await loadApp(ctx, services);
    const entry = (await show(app.id)).find((f) => f.type === ctx.params.type);
    if (!entry) throw new NotFoundError(`Couldn't find that process type (${ctx.params.type}).`);
    ctx.body = entry;
  });

  router.patch('/apps/:app/formation', async (ctx) => {
    const app = await loadApp(ctx, services);
    const { updates } = validateBody(batch, ctx.request.body);
    await services.lifecycle.scale(app.id, updates);
    ctx.body = await show(app.id);
  });

  router.patch('/apps/:app/formation/:type', async (ctx) => {
    const app = await loadApp(ctx, services);
    const body = validateBody(update, ctx.request.body);
    const type = ctx.params.type!;
    await services.lifecycle.scale(app.id, [{ type, ...body }]);
    ctx.body = (await show(app.id)).find((f) => f.type === type);
  });

  return router;
}
