// How an instance's status changes, as a pure function: the agent's lifecycle code asks it
// what a Docker fact means for the instance, and publishes whatever it returns.
import type { InstanceStatus } from '../common/protocol.js';

export type InstanceFact =
  /** The container started; its port is published on `port` (null when it exited at once). */
  | { kind: 'started'; port: number | null }
  /** $PORT answered HTTP (or the instance needs no port check). */
  | { kind: 'bound' }
  /** The container exited on its own. */
  | { kind: 'exited'; exitCode: number | null; oomKilled: boolean }
  /** $PORT did not answer within the boot timeout (Heroku's R10). */
  | { kind: 'bootTimedOut'; bootTimeoutSeconds: number; healthCheckPath?: string }
  /** The health check failed `attempts` times in a row while the instance was up. */
  | { kind: 'unhealthy'; attempts: number; detail: string }
  /** A stop was asked for. */
  | { kind: 'stopping' }
  /** The container is gone after a stop. */
  | { kind: 'removed' };

export function startingStatus(instanceId: string, appName: string): InstanceStatus {
  return { instanceId, appName, state: 'starting', port: null, exitCode: null, reason: null };
}

export function exitReason(exitCode: number | null, oomKilled: boolean): string {
  const exited = exitCode === null ? 'exited' : `exited with code ${exitCode}`;
  return oomKilled ? `${exited} (out of memory)` : exited;
}

export function bootTimeoutReason(bootTimeoutSeconds: number, healthCheckPath?: string): string {
  if (healthCheckPath !== undefined) return `did not pass its health check (GET ${healthCheckPath}) within ${bootTimeoutSeconds} s`;
  return `did not bind $PORT within ${bootTimeoutSeconds} s`;
}

export function unhealthyReason(attempts: number, detail: string): string {
  return `failed ${attempts} health ${attempts === 1 ? 'check' : 'checks'} in a row (${detail})`;
}

/** The status after `fact`, or null when the fact changes nothing (stale or out of order). */
export function nextStatus(status: InstanceStatus, fact: InstanceFact): InstanceStatus | null {
  const { state } = status;
  switch (fact.kind) {
    case 'started':
      return state === 'starting' ? { ...status, port: fact.port, exitCode: null, reason: null } : null;
    case 'bound':
      return state === 'starting' ? { ...status, state: 'up' } : null;
    case 'exited':
      // A container stopping on purpose dies too: that is not a crash.
      if (state !== 'starting' && state !== 'up') return null;
      return { ...status, state: 'crashed', exitCode: fact.exitCode, reason: exitReason(fact.exitCode, fact.oomKilled) };
    case 'bootTimedOut':
      if (state !== 'starting') return null;
      return { ...status, state: 'crashed', exitCode: null, reason: bootTimeoutReason(fact.bootTimeoutSeconds, fact.healthCheckPath) };
    case 'unhealthy':
      if (state !== 'up') return null;
      return { ...status, state: 'crashed', exitCode: null, reason: unhealthyReason(fact.attempts, fact.detail) };
    case 'stopping':
      return state === 'stopping' || state === 'down' ? null : { ...status, state: 'stopping' };
    case 'removed':
      return state === 'down' ? null : { ...status, state: 'down', port: null };
  }
}
