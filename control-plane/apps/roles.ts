// Who may do what to an app beyond seeing and changing it (AppStore.canAccess). Pure.
import type { App, User } from '../../common/types.js';

/** Whether `user` may add or remove collaborators, delete the app or hand it over: its owner, or an operator. */
export function managesCollaborators(app: Pick<App, 'ownerId'>, user: Pick<User, 'id' | 'admin'>): boolean {
  return user.admin || app.ownerId === user.id;
}
