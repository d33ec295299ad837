import Router from '@koa/router';
import { z } from 'zod';
import { InvalidParamsError } from '../../common/errors.js';
import { appNameProblem } from '../../common/names.js';
import type { AppJson } from '../../common/api-shapes.js';
import type { App, Team, User } from '../../common/types.js';
import { STOP_TIMEOUT_LIMITS } from '../apps/stop-grace.js';
import { loadApp } from '../http/load-app.js';
import { visibleUser } from '../http/load-user.js';
import { appJson } from '../http/representations.js';
import { bodyOf, spec } from '../http/api-spec.js';
import type { Services } from '../services.js';
import { requireStack } from '../stacks.js';

/** A stack as Heroku's API takes it: its name or id, or an object with either. */
const stackParam = z.union([z.string(), z.object({ name: z.string() }), z.object({ id: z.string() })]);
const stackNameOrId = (param: z.infer<typeof stackParam>): string => (typeof param === 'string' ? param : 'name' in param ? param.name : param.id);

export const newApp = z.object({ name: z.string(), stack: stackParam.optional() });
/** Heroku's app update; of its attributes, the build stack is the one Slipway changes. */
const updateApp = z
  .object({
    build_stack: stackParam.optional(),
    maintenance: z.boolean().optional(),
    stop_timeout_seconds: z.number().int().min(STOP_TIMEOUT_LIMITS.min).max(STOP_TIMEOUT_LIMITS.max).nullable().optional(),
    name: z.string().optional(),
  })
  .strict();

/** The route name of the API itself, served through the routers like an app (AWS). */
export const API_ROUTE_NAME = 'api';

/** Names the platform uses itself, so no app may take them. */
export const RESERVED_APP_NAMES = new Set([API_ROUTE_NAME, 'www', 'admin', 'slipway']);

/** The app as the API shows it, with its owner (a user, or its team) looked up. */
export async function describeApp(services: Services, app: App): Promise<AppJson> {
  return appJson(app, await services.users.get(app.ownerId), services.urls, app.teamId ? await services.teams.get(app.teamId) : null);
}

/** Creates an app of `user`'s, or of `team` (created by `user`), with its git repository. */
export async function createApp(services: Services, { name, stack }: z.infer<typeof newApp>, user: User, team: Team | null): Promise<App> {
  const problem = appNameProblem(name);
  if (problem) throw new InvalidParamsError(`Name is invalid: ${problem}.`);
  if (RESERVED_APP_NAMES.has(name)) throw new InvalidParamsError(`Name ${name} is reserved by the platform.`);
  const chosen = stack === undefined ? undefined : requireStack(stackNameOrId(stack)).name;
  await services.plans.admitApp(team ? { kind: 'team', id: team.id } : { kind: 'user', id: user.id });
  const app = await services.apps.create(name, user, chosen, team?.id ?? null);
  await services.repos.ensure(app.id);
  return app;
}

export function appHandlers(services: Services): Router {
  const router = new Router();
  const json = (app: App) => describeApp(services, app);

  router.post('/apps', spec({ summary: 'Creates an app', body: newApp, response: { shape: 'AppJson', status: 201 } }), async (ctx) => {
    const user = ctx.state.user as User;
    const app = await createApp(services, bodyOf(ctx, newApp), user, null);
    ctx.state.app = app;
    ctx.status = 201;
    ctx.body = appJson(app, user, services.urls);
  });

  router.get('/apps', spec({ summary: 'Every app the caller may view', response: { shape: 'AppJson', list: true } }), async (ctx) => {
    const user = ctx.state.user as User;
    const apps = await services.apps.list();
    const visible = [];
    for (const app of apps) if (await services.access.may(app, user, 'view')) visible.push(app);
    ctx.body = await Promise.all(visible.map(json));
  });

  // Heroku's `heroku apps`: the apps a user owns or collaborates on (`~`: the caller). Unlike
  // GET /apps, an operator sees only their own here, as on Heroku.
  router.get('/users/:user/apps', spec({ summary: 'A user’s own and shared apps', response: { shape: 'AppJson', list: true } }), async (ctx) => {
    const user = await visibleUser(ctx, services);
    const apps = await services.apps.list();
    const theirs = [];
    for (const app of apps) if ((!app.teamId && app.ownerId === user.id) || (await services.apps.isCollaborator(app.id, user.id))) theirs.push(app);
    ctx.body = await Promise.all(theirs.map(json));
  });

  router.get('/apps/:app', spec({ summary: 'An app', response: { shape: 'AppJson' } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    ctx.body = await json(app);
  });

  // Heroku semantics: the next build uses the new stack; the current release keeps running on its own.
  router.patch('/apps/:app', spec({ summary: 'Renames an app, or changes its build stack, maintenance mode or stop grace', body: updateApp, response: { shape: 'AppJson' } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    const { build_stack, maintenance, stop_timeout_seconds, name } = bodyOf(ctx, updateApp);
    if ([build_stack, maintenance, stop_timeout_seconds, name].every((field) => field === undefined)) {
      throw new InvalidParamsError('Nothing to change: give name, build_stack, maintenance or stop_timeout_seconds.');
    }
    if (name !== undefined) await services.access.require(app, ctx.state.user as User, 'manage');
    // Everything is checked before anything changes; a taken name (the rename, first) changes nothing either.
    const stack = build_stack === undefined ? undefined : requireStack(stackNameOrId(build_stack)).name;
    if (name !== undefined && RESERVED_APP_NAMES.has(name)) throw new InvalidParamsError(`Name ${name} is reserved by the platform.`);
    let updated = app;
    if (name !== undefined) updated = await services.lifecycle.rename(app, name);
    if (stop_timeout_seconds !== undefined) updated = (await services.apps.setStopTimeout(app.id, stop_timeout_seconds)) ?? updated;
    if (stack !== undefined) updated = (await services.apps.setBuildStack(app.id, stack)) ?? updated;
    if (maintenance !== undefined) {
      updated = (await services.apps.setMaintenance(app.id, maintenance)) ?? updated;
      // The route carries the mode to the routers.
      await services.converger.convergeApp(app.id);
    }
    ctx.body = await json(updated);
  });

  router.delete('/apps/:app', spec({ summary: 'Destroys an app', response: { shape: 'AppJson' } }), async (ctx) => {
    // Collaborators may change the app, not delete it (Heroku's rule).
    const app = await loadApp(ctx, services, 'manage');
    await services.lifecycle.destroy(app);
    ctx.body = await json(app);
  });

  return router;
}
