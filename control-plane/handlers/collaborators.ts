// Heroku's collaborators: users the owner (or a team admin) lets see and change an app. They
// may do what the owner does except manage collaborators (they may leave), delete the app or
// hand it over. A personal app's owner is listed first with the role `owner`; a team app lists
// its team's members with their team roles, then its collaborators, as Heroku's `access` shows.
import Router from '@koa/router';
import { z } from 'zod';
import { ForbiddenError, InvalidParamsError, NotFoundError } from '../../common/errors.js';
import type { App, User } from '../../common/types.js';
import { loadApp } from '../http/load-app.js';
import { collaboratorJson } from '../http/representations.js';
import { bodyOf, spec } from '../http/api-spec.js';
import type { Services } from '../services.js';

const addCollaborator = z.object({ user: z.string().min(1).max(254), silent: z.boolean().optional() });

export function collaboratorHandlers(services: Services): Router {
  const router = new Router();

  const members = async (app: App) => {
    const collaborators = (await services.users.getMany(await services.apps.collaborators(app.id))).map((u) => collaboratorJson(app, u, 'collaborator'));
    if (app.teamId) {
      const roles = await services.teams.members(app.teamId);
      const team = (await services.users.getMany(Object.keys(roles))).map((u) => collaboratorJson(app, u, roles[u.id]!));
      return [...team, ...collaborators.filter((c) => !(c.user.id in roles))];
    }
    const owner = await services.users.get(app.ownerId);
    return [...(owner ? [collaboratorJson(app, owner, 'owner')] : []), ...collaborators];
  };
  const findMember = async (app: App, ref: string) => {
    const entry = (await members(app)).find((m) => m.user.email === ref || m.user.id === ref || m.id === ref);
    if (!entry) throw new NotFoundError(`Couldn't find that collaborator (${ref}).`);
    return entry;
  };

  router.get('/apps/:app/collaborators', spec({ summary: 'Who reaches the app, with their roles', response: { shape: 'CollaboratorJson', list: true } }), async (ctx) => {
    ctx.body = await members(await loadApp(ctx, services));
  });

  router.get('/apps/:app/collaborators/:ref', spec({ summary: 'One collaborator', response: { shape: 'CollaboratorJson' } }), async (ctx) => {
    ctx.body = await findMember(await loadApp(ctx, services), ctx.params.ref!);
  });

  router.post('/apps/:app/collaborators', spec({ summary: 'Adds a collaborator', body: addCollaborator, response: { shape: 'CollaboratorJson', status: 201 } }), async (ctx) => {
    const app = await loadApp(ctx, services, 'manage');
    const { user: ref } = bodyOf(ctx, addCollaborator);
    const user = await services.users.find(ref);
    if (!user) throw new NotFoundError(`Couldn't find that user (${ref}).`);
    if (!app.teamId && user.id === app.ownerId) throw new InvalidParamsError(`${user.email} owns ${app.name}.`);
    if (app.teamId && (await services.teams.roleOf(app.teamId, user.id))) throw new InvalidParamsError(`${user.email} is a member of the app's team already.`);
    if (await services.apps.isCollaborator(app.id, user.id)) throw new InvalidParamsError(`${user.email} is already a collaborator on ${app.name}.`);
    await services.apps.addCollaborator(app.id, user.id);
    ctx.status = 201;
    ctx.body = collaboratorJson(app, user, 'collaborator');
  });

  router.delete('/apps/:app/collaborators/:ref', spec({ summary: 'Removes a collaborator (or the caller leaves)', response: { shape: 'CollaboratorJson' } }), async (ctx) => {
    const app = await loadApp(ctx, services, 'view');
    const actor = ctx.state.user as User;
    const entry = await findMember(app, ctx.params.ref!);
    if (entry.role === 'owner') throw new InvalidParamsError(`${entry.user.email} owns ${app.name}: transfer the app instead.`);
    if (entry.role !== 'collaborator') throw new InvalidParamsError(`${entry.user.email} has access through the app's team: a team admin changes that with the team's members.`);
    // Anyone may leave; only those who manage the app remove others.
    if (entry.user.id !== actor.id && !(await services.access.may(app, actor, 'manage'))) throw new ForbiddenError(`Only the owner of ${app.name} (or an admin of its team) can remove other collaborators.`);
    await services.apps.removeCollaborator(app.id, entry.user.id);
    ctx.body = entry;
  });

  return router;
}
