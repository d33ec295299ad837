import { describe, expect, it } from 'vitest';
import { heartbeat } from '../common/protocol.js';
import { everyInterval, heartbeatMessage } from './heartbeat.js';

describe('heartbeatMessage', () => {
  it('carries the host, its capacity and every instance, and fits the protocol', () => {
    const instances = [{ instanceId: 'i-1', appName: 'shop', state: 'up' as const, port: 40001, exitCode: null, reason: null }];
    const message = heartbeatMessage(
      { hostId: 'h', token: 't', capacity: { memoryMb: 1024, cpus: 2 } },
      instances,
      new Date('2030-01-01T00:00:00Z'),
    );
    expect(message).toEqual({ hostId: 'h', token: 't', capacity: { memoryMb: 1024, cpus: 2 }, instances, at: '2030-01-01T00:00:00.000Z' });
    expect(heartbeat.parse(message)).toEqual(message);
  });
});

describe('everyInterval', () => {
  it('beats at once, then repeatedly, until aborted', async () => {
    const controller = new AbortController();
    let beats = 0;
    await everyInterval(
      5,
      () => {
        beats++;
        if (beats === 3) controller.abort();
      },
      controller.signal,
    );
    expect(beats).toBe(3);
  });
});
