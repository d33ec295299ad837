import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { InvalidParamsError, NotFoundError, SlipwayError } from '../../common/errors.js';
import { processTypeProblem } from '../../common/names.js';
import type { ReleasedImage } from '../../common/release-images.js';
import type { App } from '../../common/types.js';
import type { FormationUpdate } from '../apps/lifecycle.js';
import { quantityParam, resolveQuantity, sizeParam, type QuantityParam } from '../apps/quantity.js';
import { loadApp } from '../http/load-app.js';
import { logApiEvent } from '../http/api-events.js';
import { platformEvents } from '../apps/platform-events.js';
import { formationJson } from '../http/representations.js';
import { bodyOf, spec } from '../http/api-spec.js';
import type { Services } from '../services.js';

const update = z.object({ quantity: quantityParam.optional(), size: sizeParam.optional() });
const batch = z.object({ updates: z.array(update.extend({ type: z.string(), docker_image: z.string().optional() })).min(1) });

/** Updates with absolute quantities ("+1" resolved against what the type runs now), or a 422. */
async function absolute(services: Services, appId: string, updates: readonly { type: string; quantity?: QuantityParam; size?: FormationUpdate['size'] }[]): Promise<FormationUpdate[]> {
  const formation = await services.apps.formation(appId);
  return updates.map(({ type, quantity, size }) => {
    if (quantity === undefined) return { type, size };
    const resolved = resolveQuantity(quantity, formation.find((f) => f.type === type)?.quantity ?? 0);
    if ('problem' in resolved) throw new InvalidParamsError(`${type}: ${resolved.problem}.`);
    return { type, quantity: resolved.quantity, size };
  });
}

export function formationHandlers(services: Services): Router {
  const router = new Router();

  const show = async (appId: string) => {
    const app = (await services.apps.get(appId))!;
    const release = await services.releases.current(app.id);
    const formation = await services.apps.formation(app.id);
    return formation.map((f) => formationJson(f, app, release?.processTypes[f.type] ?? null));
  };

  /** Scales, then says so in the app's log with the types' new quantities and sizes. */
  const scale = async (ctx: Context, app: App, updates: FormationUpdate[]) => {
    await services.lifecycle.scale(app.id, updates);
    const named = new Set(updates.map((u) => u.type));
    const changed = (await services.apps.formation(app.id)).filter((f) => named.has(f.type));
    logApiEvent(ctx, services, app, (email) => platformEvents.scaled(changed, email));
  };

  router.get('/apps/:app/formation', spec({ summary: 'The formation: quantity and size per process type', response: { shape: 'FormationJson', list: true } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    ctx.body = await show(app.id);
  });

  router.get('/apps/:app/formation/:type', spec({ summary: 'One process type’s formation', response: { shape: 'FormationJson' } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    const entry = (await show(app.id)).find((f) => f.type === ctx.params.type);
    if (!entry) throw new NotFoundError(`Couldn't find that process type (${ctx.params.type}).`);
    ctx.body = entry;
  });

  router.patch('/apps/:app/formation', spec({ summary: 'Scales and resizes process types, or releases pushed images (docker_image)', body: batch, response: { shape: 'FormationJson', list: true } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    const { updates } = bodyOf(ctx, batch);
    // Heroku's container release: each process type's `docker_image` runs in one new release;
    // the types not named keep running what they ran.
    const released = updates.filter((u) => u.docker_image !== undefined);
    if (released.length > 0) {
      const types = released.map((u) => u.type);
      const twice = types.find((type, i) => types.indexOf(type) !== i);
      if (twice) throw new InvalidParamsError(`${twice} is given more than one docker_image.`);
      const images: Record<string, ReleasedImage> = {};
      for (const { type, docker_image: dockerImage } of released) {
        const problem = processTypeProblem(type);
        if (problem) throw new InvalidParamsError(problem);
        const pushed = await services.findPushedImage(app.name, type, dockerImage!);
        if (!pushed.command) throw new InvalidParamsError(`The image ${dockerImage} has no CMD or ENTRYPOINT to run as ${type}.`);
        images[type] = { image: pushed.image, command: pushed.command };
      }
      const described = released.map(({ type, docker_image: id }) => `${type} (${id!.slice('sha256:'.length, 'sha256:'.length + 12)})`).join(', ');
      const release = await services.releaser.fromImage(app, { images, description: `Deployed ${described}` });
      logApiEvent(ctx, services, app, (email) => platformEvents.releaseCreated(release.version, email));
      if (release.status === 'failed') throw new SlipwayError('release_failed', release.failure ?? `Release v${release.version} failed.`, { status: 422 });
    }
    const scaling = updates.filter((u) => u.quantity !== undefined || u.size !== undefined).map(({ type, quantity, size }) => ({ type, quantity, size }));
    if (scaling.length > 0 || released.length === 0) await scale(ctx, app, await absolute(services, app.id, scaling.length > 0 ? scaling : updates));
    ctx.body = await show(app.id);
  });

  router.patch('/apps/:app/formation/:type', spec({ summary: 'Scales or resizes one process type', body: update, response: { shape: 'FormationJson' } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    const body = bodyOf(ctx, update);
    const type = ctx.params.type!;
    await scale(ctx, app, await absolute(services, app.id, [{ type, ...body }]));
    ctx.body = (await show(app.id)).find((f) => f.type === type);
  });

  // `heroku ps:restart --process-type web`: a rolling restart of one type's instances.
  router.delete('/apps/:app/formations/:type', spec({ summary: 'Restarts one process type', response: { emptyObject: true, status: 202 } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    await services.lifecycle.restart(app.id, ctx.params.type!);
    logApiEvent(ctx, services, app, (email) => platformEvents.restarted(ctx.params.type!, email));
    ctx.status = 202;
    ctx.body = {};
  });

  return router;
}
