// The release phase's output against a real Redis: kept in order, read from an index (what a
// live reader has not seen yet), capped with a marker; and its URL only for releases with a phase.
import { describe, expect, it } from 'vitest';
import { useTestRedis } from '../../test/support/redis.js';
import { releaseOutputUrl } from '../handlers/release-output.js';
import { MAX_RELEASE_OUTPUT_LINES, ReleaseOutputStore } from './release-output.js';

const redis = useTestRedis();

describe('ReleaseOutputStore', () => {
  it('keeps the lines in order and reads on from where a reader stopped', async () => {
    const store = new ReleaseOutputStore(redis());
    await store.append('o1', 2, 'migrating');
    await store.append('o1', 2, 'done');
    expect(await store.read('o1', 2)).toEqual(['migrating', 'done']);
    await store.append('o1', 2, 'bye');
    expect(await store.read('o1', 2, 2)).toEqual(['bye']);
    expect(await store.read('o1', 3)).toEqual([]);
  });

  it('stops at its cap, saying so once', async () => {
    const store = new ReleaseOutputStore(redis());
    const pipeline = redis().pipeline();
    for (let i = 0; i < MAX_RELEASE_OUTPUT_LINES - 1; i++) pipeline.rpush('slipway:release:o2:1:output', `line ${i}`);
    await pipeline.exec();
    for (let i = 0; i < 3; i++) await store.append('o2', 1, `late ${i}`);
    const lines = await store.read('o2', 1, MAX_RELEASE_OUTPUT_LINES - 2);
    expect(lines).toEqual([`line ${MAX_RELEASE_OUTPUT_LINES - 2}`, 'late 0', '[output truncated: the rest is in the app log]']);
  });
});

describe('releaseOutputUrl', () => {
  it('is there only for a release with a release phase (a secret)', () => {
    expect(releaseOutputUrl('http://127.0.0.1:5780', { appId: 'a1', version: 3, outputSecret: 's3' })).toBe('http://127.0.0.1:5780/release-output/a1/3/s3');
    expect(releaseOutputUrl('http://127.0.0.1:5780', { appId: 'a1', version: 4 })).toBeNull();
  });
});
