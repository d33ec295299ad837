// A user's role on an app, read from the stores; what the role permits is decided in roles.ts.
import { ForbiddenError } from '../../common/errors.js';
import type { App, User } from '../../common/types.js';
import type { AppStore } from '../store/apps.js';
import type { TeamStore } from '../store/teams.js';
import { appRole, appRolePermits, type AppAction, type AppRole } from './roles.js';

const REFUSALS: Record<AppAction, (app: App) => string> = {
  view: (app) => `You do not have access to the app ${app.name}.`,
  change: (app) => `You may view ${app.name} but not change it (your role on it is read-only).`,
  manage: (app) => `Only the owner of ${app.name} (or an admin of its team) can rename, delete, transfer or share it.`,
};

export class AppAccess {
  constructor(private readonly apps: AppStore, private readonly teams: TeamStore) {}

  async roleOn(app: App, user: User): Promise<AppRole | null> {
    if (user.admin) return 'operator';
    const [teamRole, collaborator] = await Promise.all([
      app.teamId ? this.teams.roleOf(app.teamId, user.id) : null,
      this.apps.isCollaborator(app.id, user.id),
    ]);
    return appRole(app, user, { teamRole, collaborator });
  }

  async may(app: App, user: User, action: AppAction): Promise<boolean> {
    return appRolePermits(await this.roleOn(app, user), action);
  }

  /** Throws a 403 saying what the user may not do. */
  async require(app: App, user: User, action: AppAction): Promise<void> {
    const role = await this.roleOn(app, user);
    if (appRolePermits(role, action)) return;
    // Those who may not even view the app learn nothing more than that.
    throw new ForbiddenError(REFUSALS[appRolePermits(role, 'view') ? action : 'view'](app));
  }
}
