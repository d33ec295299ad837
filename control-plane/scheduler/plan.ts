// The scheduler's decision for one app, as a pure function of desired state (release and
// formation) and what is known of the world (instance records, hosts). The reconciler
// executes the actions; this file never does I/O.
import { DYNO_SIZES, type DynoSize, type FormationEntry, type Host, type Instance, type Release } from '../../common/types.js';
import { nextRestartCount, restartDelayMs } from './backoff.js';
import { chooseHost, type HostLoad } from './placement.js';

export interface PlanInput {
  release: Pick<Release, 'version' | 'processTypes'> | null;
  formation: readonly FormationEntry[];
  instances: readonly Instance[];
  hosts: readonly Host[];
  /** Memory (MB) already reserved on each host by every app's live instances. */
  hostUsageMb: Readonly<Record<string, number>>;
  now: number;
  /** A stop that has not completed after this long is sent again. */
  stopRetryMs: number;
}

export type Action =
  | { kind: 'start'; type: string; index: number; releaseVersion: number; hostId: string; size: DynoSize; restarts: number }
  | { kind: 'stop'; instance: Instance; reason: string }
  | { kind: 'forget'; instance: Instance; reason: string }
  | { kind: 'unplaceable'; type: string; index: number; reason: string };

const LIVE = new Set(['starting', 'up', 'crashed']);
const PREFERENCE = { up: 0, starting: 1, crashed: 2, stopping: 3, down: 4 } as const;

function slotKey(type: string, index: number): string {
  return `${type}.${index}`;
}

function byPreference(a: Instance, b: Instance): number {
  return PREFERENCE[a.state] - PREFERENCE[b.state] || b.createdAt.localeCompare(a.createdAt);
}

export function planApp(input: PlanInput): Action[] {
  const actions: Action[] = [];
  const hosts = new Map(input.hosts.map((h) => [h.id, h]));
  const live: Instance[] = [];

  for (const instance of input.instances) {
    const host = hosts.get(instance.hostId);
    if (instance.state === 'down') {
      actions.push({ kind: 'forget', instance, reason: 'stopped' });
    } else if (!host) {
      actions.push({ kind: 'forget', instance, reason: `host ${instance.hostId} is gone` });
    } else if (host.state === 'down') {
      // Kept, not forgotten: a host that only went quiet (a network hiccup) reports it again
      // and it is adopted back; meanwhile its slot is filled elsewhere, and whichever of the
      // two is surplus once the host returns is stopped as a duplicate.
      continue;
    } else if (instance.state === 'stopping') {
      if (input.now - Date.parse(instance.updatedAt) > input.stopRetryMs) {
        actions.push({ kind: 'stop', instance, reason: 'retrying stop' });
      }
    } else if (LIVE.has(instance.state)) {
      live.push(instance);
    }
  }

  const loads = new Map<string, HostLoad>(
    input.hosts.map((h) => [
      h.id,
      {
        id: h.id,
        state: h.state,
        memoryMb: h.capacity.memoryMb,
        usedMemoryMb: input.hostUsageMb[h.id] ?? 0,
        appInstances: live.filter((i) => i.hostId === h.id).length,
      },
    ]),
  );
  const place = (type: string, index: number, size: DynoSize, restarts: number) => {
    const memoryMb = DYNO_SIZES[size].memoryMb;
    const hostId = chooseHost([...loads.values()], memoryMb);
    if (!hostId || !input.release) {
      actions.push({ kind: 'unplaceable', type, index, reason: `no host has ${memoryMb} MB free` });
      return;
    }
    const load = loads.get(hostId)!;
    load.usedMemoryMb += memoryMb;
    load.appInstances += 1;
    actions.push({ kind: 'start', type, index, releaseVersion: input.release.version, hostId, size, restarts });
  };

  /** The crashed instance being replaced no longer weighs on its host. */
  const unload = (instance: Instance) => {
    const load = loads.get(instance.hostId);
    if (!load) return;
    load.appInstances -= 1;
    load.usedMemoryMb -= DYNO_SIZES[instance.size].memoryMb;
  };

  const wantedSlots = new Set<string>();
  const release = input.release;
  for (const entry of input.formation) {
    if (!release || !Object.hasOwn(release.processTypes, entry.type)) continue;
    for (let index = 1; index <= entry.quantity; index++) {
      wantedSlots.add(slotKey(entry.type, index));
      const inSlot = live.filter((i) => i.type === entry.type && i.index === index);
      const current = inSlot
        .filter((i) => i.releaseVersion === release.version && !i.retiring && hosts.get(i.hostId)?.state === 'up')
        .sort(byPreference);
      const [primary, ...duplicates] = current;
      const previous = inSlot.filter((i) => !current.includes(i));
      for (const duplicate of duplicates) actions.push({ kind: 'stop', instance: duplicate, reason: 'duplicate instance' });

      if (!primary) {
        place(entry.type, index, entry.size, 0);
      } else if (primary.state === 'crashed') {
        const crashedAt = Date.parse(primary.updatedAt);
        if (input.now - crashedAt >= restartDelayMs(primary.restarts)) {
          const restarts = nextRestartCount(primary.restarts, crashedAt - Date.parse(primary.createdAt));
          actions.push({ kind: 'stop', instance: primary, reason: 'restarting after crash' });
          unload(primary);
          place(entry.type, index, entry.size, restarts);
        }
      } else if (primary.state === 'up') {
        // Only once the replacement is up do the instances it replaces leave (zero downtime).
        for (const old of previous) {
          const why =
            old.releaseVersion !== release.version ? `replaced by v${release.version}` : old.retiring ? 'restarted' : 'moved off a draining host';
          actions.push({ kind: 'stop', instance: old, reason: why });
        }
      }
    }
  }

  for (const instance of live) {
    if (!wantedSlots.has(slotKey(instance.type, instance.index))) {
      actions.push({ kind: 'stop', instance, reason: release ? 'scaled down' : 'no release to run' });
    }
  }
  return actions;
}

export type RolloutStatus = { state: 'pending' } | { state: 'done' } | { state: 'failed'; reason: string };

/** Whether every wanted instance of `release` is up (done), one crashed (failed), or neither yet. */
export function rolloutStatus(
  release: Pick<Release, 'version' | 'processTypes'>,
  formation: readonly FormationEntry[],
  instances: readonly Instance[],
): RolloutStatus {
  for (const entry of formation) {
    if (!Object.hasOwn(release.processTypes, entry.type)) continue;
    for (let index = 1; index <= entry.quantity; index++) {
      const [best] = instances
        .filter((i) => i.releaseVersion === release.version && i.type === entry.type && i.index === index && LIVE.has(i.state))
        .sort(byPreference);
      if (!best || best.state === 'starting') return { state: 'pending' };
      if (best.state === 'crashed') {
        return { state: 'failed', reason: `${slotKey(entry.type, index)} crashed: ${best.reason ?? 'unknown reason'}` };
      }
    }
  }
  return { state: 'done' };
}
