// Heroku's collaborators of a personal app, read-only for now: the owner, then whoever was
// given access. Users gone since are left out.
import Router from '@koa/router';
import { loadApp } from '../http/load-app.js';
import { collaboratorJson } from '../http/representations.js';
import type { Services } from '../services.js';

export function collaboratorHandlers(services: Services): Router {
  const router = new Router();

  router.get('/apps/:app/collaborators', async (ctx) => {
    const app = await loadApp(ctx, services);
    const owner = await services.users.get(app.ownerId);
    const others = await Promise.all((await services.apps.collaborators(app.id)).map((id) => services.users.get(id)));
    ctx.body = [
      collaboratorJson(app, owner ?? { id: app.ownerId, email: null }, 'owner'),
      ...others.flatMap((user) => (user && user.id !== app.ownerId ? [collaboratorJson(app, user, 'collaborator')] : [])),
    ];
  });

  return router;
}
