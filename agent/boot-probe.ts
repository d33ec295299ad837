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

/** How often $PORT is checked while an app is most likely to bind: each wait is time a new
 *  release is ready and not yet serving. A refused connection costs next to nothing. */
export const QUICK_PROBE_MS = 25;
/** For how long after the container starts the checks are quick; then every `intervalMs`. */
export const QUICK_PROBE_WINDOW_MS = 3000;

/** How long to wait before the next boot check, `elapsedMs` after the checks began. */
export function bootProbeDelay(elapsedMs: number, intervalMs: number): number {
  return elapsedMs < QUICK_PROBE_WINDOW_MS ? Math.min(intervalMs, QUICK_PROBE_MS) : intervalMs;
}
