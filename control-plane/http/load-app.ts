import type { Context } from 'koa';
import { NotFoundError } from '../../common/errors.js';
import type { App, User } from '../../common/types.js';
import { actionOfMethod, type AppAction } from '../apps/roles.js';
import type { Services } from '../services.js';

/** The app named (or identified) in the URL, if the user may do `action` to it (by default:
 *  view on GET, change otherwise): 404 or 403 otherwise. */
export async function loadApp(ctx: Context, services: Services, action: AppAction = actionOfMethod(ctx.method)): Promise<App> {
  const ref = String(ctx.params.app ?? '');
  const app = (await services.apps.getByName(ref)) ?? (await services.apps.get(ref));
  if (!app) throw new NotFoundError(`Couldn't find that app: ${ref}.`);
  // The audit trail names the app a request acted on, or tried to (http/audit-trail.ts).
  ctx.state.app = app;
  await services.access.require(app, ctx.state.user as User, action);
  return app;
}
