// Deleting an account (operators): checked first, then carried out, so a refusal changes
// nothing. Its personal apps go only when asked (else the deletion is refused, naming them);
// a team it alone administers blocks it; its memberships, collaborations, pending transfers to
// it, tokens (open streams cut), password and email go. The email may sign up again.
import { ConflictError } from '../../common/errors.js';
import type { App, User } from '../../common/types.js';
import type { Services } from '../services.js';

type RemovalServices = Pick<Services, 'apps' | 'teams' | 'users' | 'lifecycle' | 'appTransfers' | 'accessCutoff' | 'plans'>;

/** Pure: why the account cannot go, or null. `soleAdminOf`: teams it is the only admin of that have other members or apps. */
export function removalRefusal(user: Pick<User, 'email'>, ownApps: readonly Pick<App, 'name'>[], destroyApps: boolean, soleAdminOf: readonly string[]): string | null {
  if (ownApps.length > 0 && !destroyApps) {
    return `${user.email} owns ${ownApps.length === 1 ? 'an app' : `${ownApps.length} apps`} (${ownApps.map((a) => a.name).join(', ')}): transfer or destroy ${ownApps.length === 1 ? 'it' : 'them'} first, or delete the account with its apps (destroy_apps).`;
  }
  if (soleAdminOf.length > 0) return `${user.email} is the only admin of ${soleAdminOf.join(', ')}: make another member an admin first.`;
  return null;
}

export async function removeAccount(services: RemovalServices, user: User, options: { destroyApps: boolean }): Promise<void> {
  const { apps, teams, users, lifecycle, appTransfers, accessCutoff, plans } = services;
  const ownApps = await apps.ownedBy(user.id);
  const soleAdminOf: string[] = [];
  const memberships = await teams.ofUser(user.id);
  for (const team of memberships) {
    const members = await teams.members(team.id);
    const otherAdmins = Object.entries(members).filter(([id, role]) => id !== user.id && role === 'admin');
    const busy = Object.keys(members).length > 1 || (await apps.ofTeam(team.id)).length > 0;
    if (members[user.id] === 'admin' && otherAdmins.length === 0 && busy) soleAdminOf.push(team.name);
  }
  const refusal = removalRefusal(user, ownApps, options.destroyApps, soleAdminOf);
  if (refusal) throw new ConflictError(refusal);

  // Refused from the next request on, before anything else goes.
  await users.revokeAllTokens(user.id);
  accessCutoff.announce({ userId: user.id, tokenIds: 'all' });
  for (const app of ownApps) await lifecycle.destroy(app);
  for (const team of memberships) {
    const members = await teams.members(team.id);
    if (Object.keys(members).length === 1) {
      await teams.delete(team); // it was theirs alone, and empty
      await plans.forget({ kind: 'team', id: team.id });
    }
    else await teams.setRole(team.id, user.id, null);
  }
  const everyApp = await apps.list();
  for (const app of everyApp) await apps.removeCollaborator(app.id, user.id);
  for (const transfer of await appTransfers.forApps(everyApp.map((a) => a.id))) {
    if (transfer.recipientId === user.id) await appTransfers.end(transfer);
  }
  await users.delete(user);
  await plans.forget({ kind: 'user', id: user.id });
}
