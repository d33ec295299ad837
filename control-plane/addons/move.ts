// Pure: moving a PostgreSQL or Redis add-on to another host by backup and restore (`addons:move`, an
// operator's action): where it goes, whether it may, and its steps in words for the answer when one
// fails. The service (Addons.move) runs the steps; nothing here does I/O.
import { isBuiltinService } from '../../common/addons.js';
import { SlipwayError } from '../../common/errors.js';
import type { Host } from '../../common/types.js';
import { placeAddon } from './plan.js';

/** The steps in order; those before `switch` leave the add-on serving on its old host when they fail. */
export const MOVE_STEPS = ['capture', 'provision', 'restore', 'switch', 'retire'] as const;
export type MoveStep = (typeof MOVE_STEPS)[number];

/** Pure: a step in words, for the error that names it. */
export function moveStepWords(step: MoveStep, from: string, to: string): string {
  switch (step) {
    case 'capture':
      return `capturing a backup on ${from}`;
    case 'provision':
      return `provisioning the new server on ${to}`;
    case 'restore':
      return `restoring the backup into the new server on ${to}`;
    case 'switch':
      return 'switching the add-on’s record and its apps’ config to the new server';
    case 'retire':
      return `removing the old server and its volume on ${from}`;
  }
}

/** Pure: the host the add-on moves to (the one asked for, else placeAddon's choice among the up
 *  hosts other than its own), or why it may not move (the error to answer with). */
export function moveTarget(
  addon: { name: string; service: string; hostId: string; port: number | null; partner?: unknown },
  hosts: readonly Host[],
  requested?: string,
): Host | SlipwayError {
  if (addon.partner) return new SlipwayError('invalid_params', `${addon.name} runs at its partner: it is not on any host here.`, { status: 422 });
  if (!isBuiltinService(addon.service)) return new SlipwayError('invalid_params', `${addon.name} is a ${addon.service} add-on: only PostgreSQL and Redis add-ons move.`, { status: 422 });
  if (addon.port === null) return new SlipwayError('conflict', `${addon.name} is not provisioned yet.`, { status: 409 });
  if (requested !== undefined) {
    if (requested === addon.hostId) return new SlipwayError('invalid_params', `${addon.name} is already on ${requested}.`, { status: 422 });
    const host = hosts.find((h) => h.id === requested);
    if (!host) return new SlipwayError('invalid_params', `There is no host ${requested}.`, { status: 422 });
    if (host.state !== 'up') return new SlipwayError('conflict', `Host ${requested} is ${host.state}: an add-on moves only to a host that is up.`, { status: 409 });
    return host;
  }
  const chosen = placeAddon(hosts.filter((h) => h.id !== addon.hostId));
  if (!chosen) return new SlipwayError('no_hosts', `No host other than ${addon.hostId} is up to move ${addon.name} to.`, { status: 503, expose: true });
  return chosen;
}
