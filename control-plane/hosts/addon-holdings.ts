// Hosts that hold add-ons' data. An add-on is pinned to the host with its volume and is never
// re-created elsewhere on its own (that would be an empty database under the same URL); only an
// operator's addons:move takes a PostgreSQL one elsewhere, data and all (addons/move.ts). So:
// draining such a host is refused unless forced (a host whose add-ons have all been moved holds
// none: its records say so), and while its host is down or gone an add-on is unavailable, which
// addons:info and pg:info say. Pure decisions; the handlers read the records.
import { SlipwayError } from '../../common/errors.js';
import type { Host } from '../../common/types.js';

/** Pure: why draining `hostId` is refused (409, naming the add-ons), or null. */
export function drainRefusal(hostId: string, addons: readonly { name: string; hostId: string }[], force: boolean): SlipwayError | null {
  const held = addons.filter((addon) => addon.hostId === hostId).map((addon) => addon.name).sort();
  if (held.length === 0 || force) return null;
  return new SlipwayError(
    'host_holds_addons',
    `Host ${hostId} holds the data of ${held.length === 1 ? 'add-on' : 'add-ons'} ${held.join(', ')}; draining it would leave ${held.length === 1 ? 'it' : 'them'} unavailable. Move PostgreSQL add-ons first (addons:move), destroy the others, or drain with force=true.`,
    { status: 409, expose: true },
  );
}

export type AddonAvailability = { available: true } | { available: false; reason: string };

/** Pure: whether an add-on's server can be reached, from its host's record (null: the host is gone). */
export function addonAvailability(hostId: string, host: Pick<Host, 'state'> | null): AddonAvailability {
  if (!host) return { available: false, reason: `its host ${hostId} was removed; its data is not on any other host` };
  if (host.state === 'down') return { available: false, reason: `its host ${hostId} is down; it comes back with the host, data and all` };
  return { available: true };
}
