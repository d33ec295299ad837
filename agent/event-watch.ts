// Keeps a Docker event stream open for as long as the agent runs: when it ends (dockerd
// restarted, connection lost), it reopens from the last event seen, so no death is missed.
// Replayed events are harmless: the instance lifecycle ignores what it already knows.
import { setTimeout as sleep } from 'node:timers/promises';
import { describeError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { ContainerEngine, ContainerEvent } from './container-engine.js';

export async function watchContainerEvents(
  engine: ContainerEngine,
  onEvent: (event: ContainerEvent) => void,
  options: { signal: AbortSignal; log: Logger; retryMs: number; now?: () => number },
): Promise<void> {
  const { signal, log } = options;
  const now = options.now ?? Date.now;
  let sinceSeconds = Math.floor(now() / 1000);
  while (!signal.aborted) {
    try {
      await engine.watchEvents(
        (event) => {
          sinceSeconds = Math.max(sinceSeconds, event.timeSeconds);
          onEvent(event);
        },
        { sinceSeconds, signal },
      );
      if (!signal.aborted) log.warn('Docker event stream ended: reopening it');
    } catch (err) {
      if (!signal.aborted) log.warn({ err: describeError(err) }, 'Docker event stream failed: reopening it');
    }
    await sleep(options.retryMs, undefined, { signal }).catch(() => {});
  }
}
