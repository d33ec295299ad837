// Heroku's buildpack-installations: the buildpacks the app's next build runs, in order,
// instead of detection. PUT replaces the whole list (an empty one goes back to detection).
import Router from '@koa/router';
import { z } from 'zod';
import { buildpackListProblems, builtinNames, BUILDPACKS, parseBuildpackReference } from '../../buildpacks/index.js';
import { InvalidParamsError } from '../../common/errors.js';
import { buildpackInstallationsJson } from '../http/representations.js';
import { loadApp } from '../http/load-app.js';
import { validateBody } from '../http/validate.js';
import type { Services } from '../services.js';

const updates = z.object({
  updates: z.array(z.object({ buildpack: z.string().min(1, 'buildpack must not be empty') }).passthrough()),
});

export function buildpackInstallationHandlers(services: Services): Router {
  const router = new Router();
  const builtins = builtinNames(BUILDPACKS);

  router.get('/apps/:app/buildpack-installations', async (ctx) => {
    const app = await loadApp(ctx, services);
    ctx.body = buildpackInstallationsJson(await services.apps.buildpacks(app.id), services.buildpackRegistry);
  });

  router.put('/apps/:app/buildpack-installations', async (ctx) => {
    const app = await loadApp(ctx, services);
    const list = validateBody(updates, ctx.request.body).updates.map((update) => update.buildpack.trim());
    const problems = buildpackListProblems(list.map((text) => parseBuildpackReference(text, builtins, services.buildpackRegistry)));
    if (problems.length > 0) throw new InvalidParamsError(problems.join('; '));
    await services.apps.setBuildpacks(app.id, list);
    ctx.body = buildpackInstallationsJson(list, services.buildpackRegistry);
  });

  return router;
}
