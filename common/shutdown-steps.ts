// A process stops in steps, and one failing or hanging step (a connection already gone, a pass
// whose last write is refused, a close waiting on a peer) must not skip or hold up the steps
// after it: the control plane's last ones stop the agents, which stop the app containers.
import { setTimeout as sleep } from 'node:timers/promises';

export interface ShutdownStep {
  /** Says which step failed, in the log. */
  name: string;
  run: () => unknown;
  /** How long the step may take before the next one starts anyway (default DEFAULT_STEP_TIMEOUT_MS). */
  timeoutMs?: number;
}

export const DEFAULT_STEP_TIMEOUT_MS = 15_000;

export class ShutdownStepTimeout extends Error {
  constructor(name: string, timeoutMs: number) {
    super(`${name} did not finish within ${timeoutMs} ms`);
    this.name = 'ShutdownStepTimeout';
  }
}

/** Runs every step in order, whatever the earlier ones did; returns the names of those that failed or timed out. */
export async function runShutdownSteps(steps: readonly ShutdownStep[], onFailure: (name: string, err: unknown) => void): Promise<string[]> {
  const failed: string[] = [];
  for (const step of steps) {
    const timeoutMs = step.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;
    const deadline = new AbortController();
    try {
      await Promise.race([
        (async () => step.run())(),
        sleep(timeoutMs, undefined, { signal: deadline.signal }).then(() => {
          throw new ShutdownStepTimeout(step.name, timeoutMs);
        }),
      ]);
    } catch (err) {
      failed.push(step.name);
      onFailure(step.name, err);
    } finally {
      deadline.abort();
    }
  }
  return failed;
}
