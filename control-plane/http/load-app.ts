import type { Context } from 'koa';
import { ForbiddenError, NotFoundError } from '../../common/errors.js';
import type { App, User } from '../../common/types.js';
import type { Services } from '../services.js';

/** The app named (or identified) in the URL, if the user may access it: 404 or 403 otherwise. */
export async function loadApp(ctx: Context, services: Services, param = 'app'): Promise<App> {
  const ref = String(ctx.params[param] ?? '');
  const app = (await services.apps.getByName(ref)) ?? (await services.apps.get(ref));
  if (!app) throw new NotFoundError(`Couldn't find that app: ${ref}.`);
  if (!(await services.apps.canAccess(app, ctx.state.user as User))) {
    throw new ForbiddenError(`You do not have access to the app ${app.name}.`);
  }
  return app;
}
