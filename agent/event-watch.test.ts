import { describe, expect, it } from 'vitest';
import type { ContainerEvent } from './container-engine.js';
import { watchContainerEvents } from './event-watch.js';
import { FakeEngine } from './testing/fake-engine.js';
import { capturingLogger } from './testing/agent-fixtures.js';

describe('watchContainerEvents', () => {
  it('reopens a failed or ended stream from the last event it saw', async () => {
    const controller = new AbortController();
    const calls: (number | undefined)[] = [];
    const event: ContainerEvent = { action: 'die', containerId: 'c1', labels: {}, exitCode: 1, timeSeconds: 2000 };
    const engine = new FakeEngine();
    engine.watchEvents = async (onEvent, options) => {
      calls.push(options.sinceSeconds);
      if (calls.length === 1) throw new Error('connection reset');
      if (calls.length === 2) return onEvent(event);
      controller.abort();
    };
    const seen: ContainerEvent[] = [];
    const { log, lines } = capturingLogger();
    await watchContainerEvents(engine, (e) => seen.push(e), { signal: controller.signal, log, retryMs: 1, now: () => 1_000_000 });
    expect(calls).toEqual([1000, 1000, 2000]);
    expect(seen).toEqual([event]);
    expect(lines.some((line) => line.includes('connection reset'))).toBe(true);
  });
});
