import Router from '@koa/router';
import { z } from 'zod';
import { InvalidParamsError, NotFoundError } from '../../common/errors.js';
import { DYNO_SIZES, type DynoSize, type FormationEntry } from '../../common/types.js';
import { loadApp } from '../http/load-app.js';
import { formationJson } from '../http/representations.js';
import { validateBody } from '../http/validate.js';
import type { Services } from '../services.js';

export const MAX_QUANTITY = 100;

const size = z.enum(Object.keys(DYNO_SIZES) as [DynoSize, ...DynoSize[]]);
const quantity = z.number().int().min(0).max(MAX_QUANTITY);
const update = z.object({ quantity: quantity.optional(), size: size.optional() });
const batch = z.object({ updates: z.array(update.extend({ type: z.string() })).min(1) });

export function formationRoutes(services: Services): Router {
  const router = new Router();

  const show = async (appId: string) => {
    const app = (await services.apps.get(appId))!;
    const release = await services.releases.current(app.id);
    const formation = await services.apps.formation(app.id);
    return formation.map((f) => formationJson(f, app, release?.processTypes[f.type] ?? null));
  };

  /** Applies updates for process types the current release has; 422 for unknown types. */
  const apply = async (appId: string, updates: { type: string; quantity?: number; size?: DynoSize }[]) => {
    const release = await services.releases.current(appId);
    const existing = new Map((await services.apps.formation(appId)).map((f) => [f.type, f]));
    const entries: FormationEntry[] = [];
    for (const u of updates) {
      if (!release || !(u.type in release.processTypes)) {
        throw new InvalidParamsError(`Couldn't find that process type (${u.type}): the current release does not declare it.`);
      }
      const current = existing.get(u.type) ?? { type: u.type, quantity: 0, size: 'basic' as DynoSize };
      entries.push({ type: u.type, quantity: u.quantity ?? current.quantity, size: u.size ?? current.size });
    }
    await services.apps.setFormation(appId, entries);
    void services.reconciler.reconcileApp(appId);
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
    await apply(app.id, updates);
    ctx.body = await show(app.id);
  });

  router.patch('/apps/:app/formation/:type', async (ctx) => {
    const app = await loadApp(ctx, services);
    const body = validateBody(update, ctx.request.body);
    const type = ctx.params.type!;
    await apply(app.id, [{ type, ...body }]);
    ctx.body = (await show(app.id)).find((f) => f.type === type);
  });

  return router;
}
