// Heroku's teams: users with roles (admin, member, viewer; apps/roles.ts) sharing the apps the
// team owns. Anyone may create a team and becomes its first admin; a team always keeps an
// admin. A team is invisible (404) to those outside it, operators excepted. Apps move between
// users and teams with PATCH /teams/apps/:app (Heroku's `apps:transfer` to or from a team).
import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { ForbiddenError, InvalidParamsError, NotFoundError } from '../../common/errors.js';
import { appNameProblem } from '../../common/names.js';
import type { App, Team, User } from '../../common/types.js';
import { TEAM_ROLES, teamRolePermits, type TeamAction, type TeamRole } from '../apps/roles.js';
import { loadApp } from '../http/load-app.js';
import { appJson, teamJson, teamMemberJson } from '../http/representations.js';
import { bodyOf, spec } from '../http/api-spec.js';
import type { TeamPermissionJson } from '../../common/api-shapes.js';
import type { Services } from '../services.js';
import { createApp, describeApp, newApp } from './apps.js';

const newTeam = z.object({ name: z.string() }).strict();
const membership = z.object({ email: z.string().min(1).max(254), role: z.enum(TEAM_ROLES), federated: z.boolean().optional() });
const newTeamApp = newApp.extend({ team: z.string().min(1).optional(), region: z.string().optional(), personal: z.boolean().optional() });
const teamAppUpdate = z.object({ owner: z.string().min(1).max(254).optional(), locked: z.boolean().optional() }).strict();

/** Heroku's team app permissions, as `heroku access` lists them for admins. */
const PERMISSIONS: TeamPermissionJson[] = [
  { name: 'view', description: 'See the app, its releases, builds, formation, dynos, domains and logs.' },
  { name: 'deploy', description: 'Push code, read and set config vars, release and roll back.' },
  { name: 'operate', description: 'Scale, restart and run processes, change domains and maintenance mode.' },
  { name: 'manage', description: 'Rename, delete and transfer the app, and manage its collaborators.' },
];

/** Names that /teams/<name> would confuse with the API's own paths. */
const RESERVED_TEAM_NAMES = new Set(['apps', 'permissions']);

const REFUSALS: Record<TeamAction, (team: Team) => string> = {
  view: (team) => `You are not a member of ${team.name}.`,
  'create-apps': (team) => `Viewers of ${team.name} cannot create or move apps into it: ask an admin for the member role.`,
  manage: (team) => `Only an admin of ${team.name} can do that.`,
};

export function teamHandlers(services: Services): Router {
  const router = new Router();

  const roleIn = async (team: Team, user: User): Promise<TeamRole | 'operator' | null> =>
    (await services.teams.roleOf(team.id, user.id)) ?? (user.admin ? 'operator' : null);

  /** The team named in the URL (or `ref`) if the caller may do `action` in it; outsiders get a 404. */
  const loadTeam = async (ctx: Context, action: TeamAction, ref = String(ctx.params.team ?? '')) => {
    const user = ctx.state.user as User;
    const team = await services.teams.find(ref);
    const role = team ? await roleIn(team, user) : null;
    if (!team || role === null) throw new NotFoundError(`Couldn't find that team: ${ref}.`);
    if (!teamRolePermits(role, action)) throw new ForbiddenError(REFUSALS[action](team));
    return { team, role: role === 'operator' ? null : role };
  };

  const memberList = async (team: Team) => {
    const roles = await services.teams.members(team.id);
    return (await services.users.getMany(Object.keys(roles))).map((u) => teamMemberJson(team, u, roles[u.id]!));
  };
  const appOf = (app: App) => describeApp(services, app);

  router.get('/teams', spec({ summary: 'The caller’s teams, with their role', response: { shape: 'TeamJson', list: true } }), async (ctx) => {
    const user = ctx.state.user as User;
    const teams = await services.teams.ofUser(user.id);
    ctx.body = await Promise.all(teams.map(async (team) => teamJson(team, await services.teams.roleOf(team.id, user.id))));
  });

  router.post('/teams', spec({ summary: 'Creates a team with the caller as admin', body: newTeam, response: { shape: 'TeamJson', status: 201 } }), async (ctx) => {
    const { name } = bodyOf(ctx, newTeam);
    const problem = appNameProblem(name);
    if (problem) throw new InvalidParamsError(`Team name is invalid: ${problem.replace(/^name/, 'it')}.`);
    if (RESERVED_TEAM_NAMES.has(name)) throw new InvalidParamsError(`Team name ${name} is reserved (it names a part of the API).`);
    const team = await services.teams.create(name, ctx.state.user as User);
    ctx.status = 201;
    ctx.body = teamJson(team, 'admin');
  });

  // Heroku's team permissions list (what `heroku access` shows for admins).
  router.get('/teams/permissions', spec({ summary: 'What team roles may do, in Heroku’s permission names', response: { shape: 'TeamPermissionJson', list: true } }), (ctx) => {
    ctx.body = PERMISSIONS;
  });

  router.post('/teams/apps', spec({ summary: 'Creates an app in a team (or a personal one without team)', body: newTeamApp, response: { shape: 'AppJson', status: 201 } }), async (ctx) => {
    const body = bodyOf(ctx, newTeamApp);
    const user = ctx.state.user as User;
    const team = body.team && !body.personal ? (await loadTeam(ctx, 'create-apps', body.team)).team : null;
    const app = await createApp(services, body, user, team);
    ctx.state.app = app;
    ctx.status = 201;
    ctx.body = appJson(app, user, services.urls, team);
  });

  router.get('/teams/apps/:app', spec({ summary: 'An app (Heroku’s team app path)', response: { shape: 'AppJson' } }), async (ctx) => {
    ctx.body = await appOf(await loadApp(ctx, services));
  });

  // Moves an app to a team (owner: the team's name or id) or out of its team to one of the
  // team's members (owner: an email). Personal apps go to other users by app transfer.
  router.patch('/teams/apps/:app', spec({ summary: 'Moves an app to a team, or out of its team to a member', body: teamAppUpdate, response: { shape: 'AppJson' } }), async (ctx) => {
    const app = await loadApp(ctx, services, 'manage');
    const { owner, locked } = bodyOf(ctx, teamAppUpdate);
    if (locked !== undefined) throw new InvalidParamsError('App locking is not available: a team app is open to its team members and its collaborators.');
    if (owner === undefined) throw new InvalidParamsError('Nothing to change: give owner (a team, or a member of the app\'s team).');
    if (owner.includes('@')) {
      if (!app.teamId) throw new InvalidParamsError(`${app.name} is a personal app: offer it to ${owner} with an app transfer (POST /account/app-transfers).`);
      const recipient = await services.users.find(owner);
      if (!recipient || !(await services.teams.roleOf(app.teamId, recipient.id))) {
        throw new InvalidParamsError(`${owner} is not a member of the app's team: only a member can receive it.`);
      }
      // As on Heroku, the app leaves its collaborators behind with its team.
      await services.apps.clearCollaborators(app.id);
      ctx.body = await appOf((await services.apps.setOwner(app.id, recipient.id)) ?? app);
      return;
    }
    const { team } = await loadTeam(ctx, 'create-apps', owner);
    if (app.teamId === team.id) throw new InvalidParamsError(`${app.name} belongs to ${team.name} already.`);
    await services.plans.admitApp({ kind: 'team', id: team.id });
    await services.appTransfers.drop(app.id);
    ctx.body = await appOf((await services.apps.setTeam(app.id, team.id)) ?? app);
  });

  router.get('/teams/:team', spec({ summary: 'A team, with the caller’s role', response: { shape: 'TeamJson' } }), async (ctx) => {
    const { team, role } = await loadTeam(ctx, 'view');
    ctx.body = teamJson(team, role);
  });

  router.delete('/teams/:team', spec({ summary: 'Deletes a team that owns no apps (admins)', response: { shape: 'TeamJson' } }), async (ctx) => {
    const { team, role } = await loadTeam(ctx, 'manage');
    const apps = await services.apps.ofTeam(team.id);
    if (apps.length > 0) throw new InvalidParamsError(`${team.name} still owns ${apps.map((a) => a.name).join(', ')}: delete or move them first.`);
    await services.teams.delete(team);
    await services.plans.forget({ kind: 'team', id: team.id });
    ctx.body = teamJson(team, role);
  });

  router.get('/teams/:team/apps', spec({ summary: 'A team’s apps', response: { shape: 'AppJson', list: true } }), async (ctx) => {
    const { team } = await loadTeam(ctx, 'view');
    ctx.body = await Promise.all((await services.apps.ofTeam(team.id)).map(appOf));
  });

  // No team features (Heroku's invitations and fine-grained access controls are not offered).
  router.get('/teams/:team/features', spec({ summary: 'Team features: none', response: { emptyList: true } }), async (ctx) => {
    await loadTeam(ctx, 'view');
    ctx.body = [];
  });

  router.get('/teams/:team/members', spec({ summary: 'A team’s members and roles', response: { shape: 'TeamMemberJson', list: true } }), async (ctx) => {
    ctx.body = await memberList((await loadTeam(ctx, 'view')).team);
  });

  // PUT adds a member or changes their role; PATCH only changes the role of a member.
  for (const method of ['put', 'patch'] as const) {
    router[method]('/teams/:team/members', spec({ summary: method === 'put' ? 'Adds a member with a role, or changes the role (admins)' : 'Changes a member’s role (admins)', body: membership, response: { shape: 'TeamMemberJson' } }), async (ctx) => {
      const { team } = await loadTeam(ctx, 'manage');
      const { email, role } = bodyOf(ctx, membership);
      const user = await services.users.find(email);
      if (!user) throw new NotFoundError(`Couldn't find that user (${email}).`);
      if (method === 'patch' && !(await services.teams.roleOf(team.id, user.id))) throw new NotFoundError(`${email} is not a member of ${team.name}.`);
      await services.teams.setRole(team.id, user.id, role);
      ctx.body = teamMemberJson(team, user, role);
    });
  }

  // Admins remove anyone; anyone may leave. The last admin stays (TeamStore refuses).
  router.delete('/teams/:team/members/:member', spec({ summary: 'Removes a member (admins), or the caller leaves', response: { shape: 'TeamMemberJson' } }), async (ctx) => {
    const actor = ctx.state.user as User;
    const { team, role } = await loadTeam(ctx, 'view');
    const entry = (await memberList(team)).find((m) => m.email === ctx.params.member || m.user.id === ctx.params.member);
    if (!entry) throw new NotFoundError(`${ctx.params.member} is not a member of ${team.name}.`);
    if (entry.user.id !== actor.id && !teamRolePermits(role ?? 'operator', 'manage')) throw new ForbiddenError(REFUSALS.manage(team));
    await services.teams.setRole(team.id, entry.user.id, null);
    ctx.body = entry;
  });

  return router;
}
