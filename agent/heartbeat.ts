// Heartbeats: every interval, the host's capacity and the status of every instance it
// manages. The control plane marks a host down when they stop.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Heartbeat, InstanceStatus } from '../common/protocol.js';
import type { HostCapacity } from '../common/types.js';

export function heartbeatMessage(
  host: { hostId: string; token: string; capacity: HostCapacity },
  instances: readonly InstanceStatus[],
  at: Date,
): Heartbeat {
  return { hostId: host.hostId, token: host.token, capacity: { ...host.capacity }, instances: [...instances], at: at.toISOString() };
}

/** Calls `beat` at once, then every `intervalMs`, until `signal` aborts. */
export async function everyInterval(intervalMs: number, beat: () => Promise<void> | void, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    await beat();
    await sleep(intervalMs, undefined, { signal }).catch(() => {});
  }
}
