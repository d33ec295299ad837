// The running one-offs' store against a real Redis: numbering, the memory each holds on its
// host (placement counts it), removal, and records past their time limit dropped.
import { describe, expect, it } from 'vitest';
import { useTestRedis } from '../../test/support/redis.js';
import { OneOffStore } from './one-offs.js';

const redis = useTestRedis();

describe('OneOffStore', () => {
  it('numbers runs per app, lists them, and counts their memory by host until they are removed', async () => {
    const store = new OneOffStore(redis());
    const run = (appId: string, runId: string, hostId: string, size: 'basic' | 'standard', number: number) =>
      store.save({ runId, appId, number, command: 'bash', size, releaseVersion: 1, hostId, expiresAtMs: Date.now() + 60_000 });
    expect([await store.nextNumber('a1'), await store.nextNumber('a1'), await store.nextNumber('a2')]).toEqual([1, 2, 1]);
    const first = await run('a1', 'r1', 'h1', 'basic', 1);
    await run('a1', 'r2', 'h2', 'standard', 2);
    await run('a2', 'r3', 'h1', 'standard', 1);
    expect((await store.list('a1')).map((r) => [r.number, r.hostId, r.state])).toEqual([[1, 'h1', 'up'], [2, 'h2', 'up']]);
    expect(await store.memoryByHost()).toEqual(new Map([['h1', 512 + 1024], ['h2', 1024]]));
    await store.remove(first);
    expect(await store.memoryByHost()).toEqual(new Map([['h1', 1024], ['h2', 1024]]));
    expect((await store.list('a1')).map((r) => r.runId)).toEqual(['r2']);
  });

  it('drops records past their time limit (a control plane lost while they ran), memory included', async () => {
    const store = new OneOffStore(redis());
    await store.save({ runId: 'old', appId: 'a3', number: 1, command: 'bash', size: 'basic', releaseVersion: 1, hostId: 'h9', expiresAtMs: Date.now() - 120_000 });
    expect((await store.memoryByHost()).get('h9')).toBe(512);
    expect(await store.list('a3')).toEqual([]);
    expect((await store.memoryByHost()).has('h9')).toBe(false);
  });
});
