// Who may do what: a user's role on an app (personal or team), and what each role permits.
// Pure; the roles are read by apps/access.ts. The tables are documented in docs/architecture.md
// ("Roles") and tested role by role in control-plane/teams.test.ts.
import type { App, User } from '../../common/types.js';

/** Roles inside a team (Heroku's team roles). */
export const TEAM_ROLES = ['admin', 'member', 'viewer'] as const;
export type TeamRole = (typeof TEAM_ROLES)[number];

/** A user's relation to one app: an operator, the owner of a personal app, a collaborator
 *  added to the app, or the role held in the app's team. */
export type AppRole = 'operator' | 'owner' | 'collaborator' | TeamRole;

/** What can be done to an app:
 *  - `view`: see the app, its releases, builds, formation, dynos, domains and logs;
 *  - `change`: deploy, read and set config vars, scale, restart, run, roll back, domains,
 *    maintenance, buildpacks;
 *  - `manage`: delete, rename, transfer, add and remove collaborators. */
export type AppAction = 'view' | 'change' | 'manage';

const APP_PERMISSIONS: Record<AppRole, readonly AppAction[]> = {
  operator: ['view', 'change', 'manage'],
  owner: ['view', 'change', 'manage'],
  admin: ['view', 'change', 'manage'],
  collaborator: ['view', 'change'],
  member: ['view', 'change'],
  viewer: ['view'],
};

/** What can be done to a team:
 *  - `view`: see the team, its members and its apps;
 *  - `create-apps`: create apps in it, or move one's own apps into it;
 *  - `manage`: add and remove members, change roles, delete the team. */
export type TeamAction = 'view' | 'create-apps' | 'manage';

const TEAM_PERMISSIONS: Record<TeamRole | 'operator', readonly TeamAction[]> = {
  operator: ['view', 'create-apps', 'manage'],
  admin: ['view', 'create-apps', 'manage'],
  member: ['view', 'create-apps'],
  viewer: ['view'],
};

export function isTeamRole(value: string): value is TeamRole {
  return (TEAM_ROLES as readonly string[]).includes(value);
}

/** The strongest role `user` holds on `app`, or null: none. A team app's owner field is not a
 *  role (the team owns it); a personal app's owner is. */
export function appRole(
  app: Pick<App, 'ownerId' | 'teamId'>,
  user: Pick<User, 'id' | 'admin'>,
  facts: { teamRole: TeamRole | null; collaborator: boolean },
): AppRole | null {
  if (user.admin) return 'operator';
  if (!app.teamId && app.ownerId === user.id) return 'owner';
  if (facts.teamRole === 'admin') return 'admin';
  if (facts.teamRole === 'member') return 'member';
  if (facts.collaborator) return 'collaborator';
  return facts.teamRole;
}

export function appRolePermits(role: AppRole | null, action: AppAction): boolean {
  return role !== null && APP_PERMISSIONS[role].includes(action);
}

export function teamRolePermits(role: TeamRole | 'operator' | null, action: TeamAction): boolean {
  return role !== null && TEAM_PERMISSIONS[role].includes(action);
}

/** The action a request needs when its handler does not name one: reading is viewing,
 *  anything else changes the app. */
export function actionOfMethod(method: string): AppAction {
  return method === 'GET' || method === 'HEAD' ? 'view' : 'change';
}
