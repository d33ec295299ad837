// Heroku's collaborators of a personal app: users the owner lets see and change it. They may do
// what the owner does except manage collaborators (they may leave), delete the app or hand it
// over. The owner is listed first, with the role `owner`, as Heroku lists it.
import Router from '@koa/router';
import { z } from 'zod';
import { ForbiddenError, InvalidParamsError, NotFoundError } from '../../common/errors.js';
import type { App, User } from '../../common/types.js';
import { managesCollaborators } from '../apps/roles.js';
import { loadApp } from '../http/load-app.js';
import { validateBody } from '../http/validate.js';
import type { Services } from '../services.js';

const addCollaborator = z.object({ user: z.string().min(1).max(254), silent: z.boolean().optional() });

function collaboratorJson(app: App, user: User, role: 'owner' | 'collaborator') {
  return {
    id: `${app.id}:${user.id}`,
    app: { id: app.id, name: app.name },
    user: { id: user.id, email: user.email, federated: false },
    role,
    permissions: [],
    created_at: app.createdAt,
    updated_at: app.updatedAt,
  };
}

export function collaboratorHandlers(services: Services): Router {
  const router = new Router();

  const members = async (app: App) => {
    const owner = await services.users.get(app.ownerId);
    const others = (await Promise.all((await services.apps.collaborators(app.id)).map((id) => services.users.get(id)))).filter((u): u is User => u !== null);
    return [...(owner ? [collaboratorJson(app, owner, 'owner')] : []), ...others.sort((a, b) => a.email.localeCompare(b.email)).map((u) => collaboratorJson(app, u, 'collaborator'))];
  };
  const findMember = async (app: App, ref: string) => {
    const entry = (await members(app)).find((m) => m.user.email === ref || m.user.id === ref || m.id === ref);
    if (!entry) throw new NotFoundError(`Couldn't find that collaborator (${ref}).`);
    return entry;
  };

  router.get('/apps/:app/collaborators', async (ctx) => {
    ctx.body = await members(await loadApp(ctx, services));
  });

  router.get('/apps/:app/collaborators/:ref', async (ctx) => {
    ctx.body = await findMember(await loadApp(ctx, services), ctx.params.ref!);
  });

  router.post('/apps/:app/collaborators', async (ctx) => {
    const app = await loadApp(ctx, services);
    const actor = ctx.state.user as User;
    if (!managesCollaborators(app, actor)) throw new ForbiddenError(`Only the owner of ${app.name} can add collaborators.`);
    const { user: ref } = validateBody(addCollaborator, ctx.request.body);
    const user = await services.users.find(ref);
    if (!user) throw new NotFoundError(`Couldn't find that user (${ref}).`);
    if (user.id === app.ownerId) throw new InvalidParamsError(`${user.email} owns ${app.name}.`);
    if ((await services.apps.collaborators(app.id)).includes(user.id)) throw new InvalidParamsError(`${user.email} is already a collaborator on ${app.name}.`);
    await services.apps.addCollaborator(app.id, user.id);
    ctx.status = 201;
    ctx.body = collaboratorJson(app, user, 'collaborator');
  });

  router.delete('/apps/:app/collaborators/:ref', async (ctx) => {
    const app = await loadApp(ctx, services);
    const actor = ctx.state.user as User;
    const entry = await findMember(app, ctx.params.ref!);
    if (entry.role === 'owner') throw new InvalidParamsError(`${entry.user.email} owns ${app.name}: transfer the app instead.`);
    if (!managesCollaborators(app, actor) && entry.user.id !== actor.id) throw new ForbiddenError(`Only the owner of ${app.name} can remove other collaborators.`);
    await services.apps.removeCollaborator(app.id, entry.user.id);
    ctx.body = entry;
  });

  return router;
}
