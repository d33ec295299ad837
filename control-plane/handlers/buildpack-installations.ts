// Heroku's buildpack-installations: the buildpacks the app's next build runs, in order,
// instead of detection. PUT replaces the whole list (an empty one goes back to detection).
import Router from '@koa/router';
import { z } from 'zod';
import { buildpackListProblems, builtinNames, BUILDPACKS, parseBuildpackReference } from '../../buildpacks/index.js';
import { InvalidParamsError, NotFoundError } from '../../common/errors.js';
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

/** Heroku's buildpack registry, for the names Slipway knows (built-in and the operator's): the
 *  stock CLI looks a name up here (HEROKU_BUILDPACK_REGISTRY_URL) before installing what it
 *  answers as `blob_url`, which for Slipway is the name itself. Public, as Heroku's is. */
export function buildpackRegistryHandlers(services: Pick<Services, 'buildpackRegistry'>): Router {
  const router = new Router();
  const builtins = builtinNames(BUILDPACKS);
  router.get('/buildpacks/:name', (ctx) => {
    const name = ctx.params.name!;
    if (!builtins.has(name) && !Object.hasOwn(services.buildpackRegistry, name)) throw new NotFoundError(`${name} is not a buildpack this platform knows.`);
    const [namespace, short] = name.split('/');
    ctx.body = { name: short ?? name, namespace: namespace ?? '', blob_url: name, description: builtins.get(name)?.id ?? name };
  });
  return router;
}
