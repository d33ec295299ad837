// Helpers shared by the agent's tests (not used by the agent itself).
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { pino } from 'pino';
import type { Logger } from '../common/logger.js';
import type { RunInstanceRequest } from '../common/protocol.js';
import type { ImageRef } from '../common/types.js';
import { LABELS } from './labels.js';

/** A host id no other test (or engineer) uses: cleanup by its label removes only ours. */
export function uniqueHostId(prefix: string): string {
  return `${prefix}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export function runRequest(image: ImageRef, overrides: Partial<RunInstanceRequest> = {}): RunInstanceRequest {
  const instanceId = overrides.instanceId ?? `i-${randomBytes(4).toString('hex')}`;
  return {
    instanceId,
    appId: 'app-1',
    appName: 'testapp',
    type: 'web',
    index: 1,
    releaseVersion: 1,
    image,
    command: 'node /app/server.js',
    env: {},
    memoryMb: 128,
    cpus: 0.5,
    checkPort: true,
    bootTimeoutSeconds: 30,
    ...overrides,
  };
}

/** Removes every container labeled for one of `hostIds` (test hosts only). */
export async function removeHostContainers(docker: Docker, hostIds: readonly string[]): Promise<void> {
  for (const hostId of hostIds) {
    const containers = await docker.listContainers({ all: true, filters: { label: [`${LABELS.host}=${hostId}`] } });
    for (const info of containers) {
      await docker.getContainer(info.Id).remove({ force: true, v: true }).catch(() => {});
    }
  }
}

/** Polls `probe` until it returns a value other than undefined; fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** A logger that keeps its JSON lines, for asserting on what the agent logs (and never logs). */
export function capturingLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
  return { log, lines };
}
