import Router from '@koa/router';
import { z } from 'zod';
import { InvalidParamsError, NotFoundError, SlipwayError } from '../../common/errors.js';
import { processTypeProblem } from '../../common/names.js';
import type { ReleasedImage } from '../../common/release-images.js';
import { DYNO_SIZES, type DynoSize } from '../../common/types.js';
import { loadApp } from '../http/load-app.js';
import { formationJson } from '../http/representations.js';
import { validateBody } from '../http/validate.js';
import type { Services } from '../services.js';

export const MAX_QUANTITY = 100;

const size = z.enum(Object.keys(DYNO_SIZES) as [DynoSize, ...DynoSize[]]);
const quantity = z.number().int().min(0).max(MAX_QUANTITY);
const update = z.object({ quantity: quantity.optional(), size: size.optional() });
const batch = z.object({ updates: z.array(update.extend({ type: z.string(), docker_image: z.string().optional() })).min(1) });

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
      if (release.status === 'failed') throw new SlipwayError('release_failed', release.failure ?? `Release v${release.version} failed.`, { status: 422 });
    }
    const scaling = updates.filter((u) => u.quantity !== undefined || u.size !== undefined).map(({ type, quantity, size }) => ({ type, quantity, size }));
    if (scaling.length > 0 || released.length === 0) await services.lifecycle.scale(app.id, scaling.length > 0 ? scaling : updates);
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
