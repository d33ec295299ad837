// Heroku's buildpack-installations: the buildpacks the app's next build runs, in order,
// instead of detection. PUT replaces the whole list (an empty one goes back to detection).
import Router from '@koa/router';
import { z } from 'zod';
import { buildpackListProblems, builtinNames, BUILDPACKS, parseBuildpackReference } from '../../buildpacks/index.js';
import { InvalidParamsError } from '../../common/errors.js';
import { buildpackInstallationsJson } from '../http/representations.js';
import { loadApp } from '../http/load-app.js';
import { bodyOf, spec } from '../http/api-spec.js';
import type { BuildpackRegistryEntryJson } from '../../common/api-shapes.js';
import type { Services } from '../services.js';

const updates = z.object({
  updates: z.array(z.object({ buildpack: z.string().min(1, 'buildpack must not be empty') }).passthrough()),
});

export function buildpackInstallationHandlers(services: Services): Router {
  const router = new Router();
  const builtins = builtinNames(BUILDPACKS);

  router.get('/apps/:app/buildpack-installations', spec({ summary: 'The buildpacks the next build runs', response: { shape: 'BuildpackInstallationJson', list: true } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    ctx.body = buildpackInstallationsJson(await services.apps.buildpacks(app.id), services.buildpackRegistry);
  });

  router.put('/apps/:app/buildpack-installations', spec({ summary: 'Replaces the buildpack list (empty: detection)', body: updates, response: { shape: 'BuildpackInstallationJson', list: true } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    const list = bodyOf(ctx, updates).updates.map((update) => update.buildpack.trim());
    const problems = buildpackListProblems(list.map((text) => parseBuildpackReference(text, builtins, services.buildpackRegistry)));
    if (problems.length > 0) throw new InvalidParamsError(problems.join('; '));
    await services.apps.setBuildpacks(app.id, list);
    ctx.body = buildpackInstallationsJson(list, services.buildpackRegistry);
  });

  return router;
}

/** Heroku's buildpack registry: the stock CLI looks a name up here (HEROKU_BUILDPACK_REGISTRY_URL)
 *  and installs what it answers as `blob_url`, which for Slipway is the name itself. An unknown
 *  name is answered the same way, on purpose: the stock CLI ignores this 404 and would install
 *  `undefined`; given the name, the installation refuses it saying which names are known.
 *  Public, as Heroku's is. */
export function buildpackRegistryHandlers(services: Pick<Services, 'buildpackRegistry'>): Router {
  const router = new Router();
  const builtins = builtinNames(BUILDPACKS);
  router.get('/buildpacks/:name', spec({ summary: 'Heroku’s buildpack registry, for the names this platform knows', response: { shape: 'BuildpackRegistryEntryJson' } }), (ctx) => {
    const name = ctx.params.name!;
    const [namespace, short] = name.split('/');
    const entry: BuildpackRegistryEntryJson = { name: short ?? name, namespace: namespace ?? '', blob_url: name, description: builtins.get(name)?.id ?? services.buildpackRegistry[name] ?? 'not known here: installing it is refused' };
    ctx.body = entry;
  });
  return router;
}
