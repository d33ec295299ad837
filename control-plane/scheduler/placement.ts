// Which host a new instance goes to: pure, so it is tested on data.
import { DEFAULT_DYNO_SIZE, DYNO_SIZES, type HostState, type Instance } from '../../common/types.js';

export interface HostLoad {
  id: string;
  state: HostState;
  memoryMb: number;
  usedMemoryMb: number;
  /** Instances of the app being placed already on this host */
  appInstances: number;
}

/**
 * Spreads an app over hosts (fewest of its instances first), then prefers the host with
 * the most free memory; ties go to the lowest id so the choice is stable. Only `up` hosts
 * with room for `memoryMb` qualify; null when none does.
 */
export function chooseHost(hosts: readonly HostLoad[], memoryMb: number): string | null {
  const candidates = hosts
    .filter((h) => h.state === 'up' && h.memoryMb - h.usedMemoryMb >= memoryMb)
    .sort(
      (a, b) =>
        a.appInstances - b.appInstances ||
        b.memoryMb - b.usedMemoryMb - (a.memoryMb - a.usedMemoryMb) ||
        a.id.localeCompare(b.id),
    );
  return candidates[0]?.id ?? null;
}

/** Memory (MB) a host's instance records hold: every one not yet `down` (a crashed one keeps
 *  its room until it is replaced, a stopping one until its container is gone). */
export function memoryInUseMb(instances: readonly Pick<Instance, 'state' | 'size'>[]): number {
  return instances.filter((i) => i.state !== 'down').reduce((sum, i) => sum + DYNO_SIZES[i.size ?? DEFAULT_DYNO_SIZE].memoryMb, 0);
}
