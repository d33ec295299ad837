import Router from '@koa/router';
import { z } from 'zod';
import { InvalidParamsError } from '../../common/errors.js';
import { appNameProblem } from '../../common/names.js';
import type { User } from '../../common/types.js';
import { loadApp } from '../http/load-app.js';
import { appJson } from '../http/representations.js';
import { validateBody } from '../http/validate.js';
import type { Services } from '../services.js';

const createApp = z.object({ name: z.string() });

/** The route name of the API itself, served through the routers like an app (AWS). */
export const API_ROUTE_NAME = 'api';

/** Names the platform uses itself, so no app may take them. */
export const RESERVED_APP_NAMES = new Set([API_ROUTE_NAME, 'www', 'admin', 'slipway']);

export function appHandlers(services: Services): Router {
  const router = new Router();
  const owner = async (ownerId: string) => services.users.get(ownerId);

  router.post('/apps', async (ctx) => {
    const { name } = validateBody(createApp, ctx.request.body);
    const problem = appNameProblem(name);
    if (problem) throw new InvalidParamsError(`Name is invalid: ${problem}.`);
    if (RESERVED_APP_NAMES.has(name)) throw new InvalidParamsError(`Name ${name} is reserved by the platform.`);
    const user = ctx.state.user as User;
    const app = await services.apps.create(name, user);
    await services.repos.ensure(app.id);
    ctx.status = 201;
    ctx.body = appJson(app, user, services.urls);
  });

  router.get('/apps', async (ctx) => {
    const user = ctx.state.user as User;
    const apps = await services.apps.list();
    const visible = [];
    for (const app of apps) if (await services.apps.canAccess(app, user)) visible.push(app);
    ctx.body = await Promise.all(visible.map(async (app) => appJson(app, await owner(app.ownerId), services.urls)));
  });

  router.get('/apps/:app', async (ctx) => {
    const app = await loadApp(ctx, services);
    ctx.body = appJson(app, await owner(app.ownerId), services.urls);
  });

  router.delete('/apps/:app', async (ctx) => {
    const app = await loadApp(ctx, services);
    await services.lifecycle.destroy(app);
    ctx.body = appJson(app, await owner(app.ownerId), services.urls);
  });

  return router;
}
