// Whether an instance has bound $PORT: one plain HTTP GET of its published port. Any HTTP
// response counts, whatever its status. A TCP connect alone proves nothing: Docker's userland
// proxy accepts connections on the published port even when nothing listens inside (and may
// hold them open), so each try is bounded by a short timeout.
import { request } from 'undici';

export const PROBE_TIMEOUT_MS = 1000;

export type PortProbe = (address: string, port: number) => Promise<boolean>;

export function probeUrl(address: string, port: number): string {
  const host = address.includes(':') ? `[${address}]` : address;
  return `http://${host}:${port}/`;
}

/** One GET: true on any HTTP response, false on a connection error, reset or timeout. */
export async function httpAnswers(address: string, port: number, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
  try {
    const response = await request(probeUrl(address, port), {
      method: 'GET',
      headers: { 'user-agent': 'slipway-agent boot check' },
      signal: AbortSignal.timeout(timeoutMs),
      // A fresh connection each time: a kept-alive one says nothing about the next try.
      reset: true,
    });
    await response.body.dump();
    return true;
  } catch {
    return false;
  }
}

/**
 * How long to wait before boot check `attempt` (0-based): quick at first, since most apps bind
 * within a few hundred milliseconds and each wait is time the new release is not yet serving,
 * then every `intervalMs`.
 */
export function bootProbeDelay(attempt: number, intervalMs: number): number {
  return Math.min(intervalMs, 10 * 2 ** attempt);
}
