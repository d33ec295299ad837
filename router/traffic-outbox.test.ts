import { describe, expect, it } from 'vitest';
import type { RouterTraffic } from '../common/protocol.js';
import { TrafficOutbox } from './traffic-outbox.js';

const window = (n: number): RouterTraffic => ({ routerId: 'r1', windowStart: String(n), windowEnd: String(n + 1), apps: [] });

describe('the traffic outbox', () => {
  it('sends windows in order, keeps the unacknowledged ones and sends them again later', async () => {
    const sent: string[] = [];
    let up = false;
    const outbox = new TrafficOutbox(async (w) => {
      if (!up) throw new Error('no control plane');
      sent.push(w.windowStart);
    });
    outbox.add(window(1));
    outbox.add(window(2));
    await outbox.flush();
    expect([sent, outbox.pending]).toEqual([[], 2]);
    up = true;
    outbox.add(window(3));
    await outbox.flush();
    expect([sent, outbox.pending]).toEqual([['1', '2', '3'], 0]);
  });

  it('drops the oldest past its capacity, and counts them', () => {
    const outbox = new TrafficOutbox(async () => {}, 2);
    for (const n of [1, 2, 3, 4]) outbox.add(window(n));
    expect([outbox.pending, outbox.dropped]).toEqual([2, 2]);
  });
});
