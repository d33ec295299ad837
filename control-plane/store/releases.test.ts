// The release store against a real Redis: moving a release's images to other repositories
// (apps:rename of an app with pushed images) keeps everything else of every release.
import { describe, expect, it } from 'vitest';
import { useTestRedis } from '../../test/support/redis.js';
import { ReleaseStore } from './releases.js';

const redis = useTestRedis();
const digest = (c: string) => `sha256:${c.repeat(64)}`;

describe('ReleaseStore.moveImages', () => {
  it("points every release's images, per-type ones too, at the moved repositories", async () => {
    const store = new ReleaseStore(redis());
    const base = { config: { A: '1' }, description: 'Deployed', buildId: null };
    await store.create('m1', { ...base, image: { repository: 'apps/shop', digest: digest('a') }, processTypes: { web: 'node web.js' } });
    await store.create('m1', {
      ...base,
      image: { repository: 'shop/web', digest: digest('b') },
      processImages: { worker: { repository: 'shop/worker', digest: digest('c') }, clock: { repository: 'apps/shop', digest: digest('a') } },
      processTypes: { web: 'serve', worker: 'work', clock: 'node clock.js' },
    });
    const moved = new Map([['shop/web', 'store/web'], ['shop/worker', 'store/worker']]);
    expect(await store.moveImages('m1', moved)).toBe(1);
    const [v1, v2] = await store.list('m1');
    expect(v1!.image).toEqual({ repository: 'apps/shop', digest: digest('a') });
    expect(v2!.image).toEqual({ repository: 'store/web', digest: digest('b') });
    expect(v2!.processImages).toEqual({ worker: { repository: 'store/worker', digest: digest('c') }, clock: { repository: 'apps/shop', digest: digest('a') } });
    expect(v2!.config).toEqual({ A: '1' });
    expect(v2!.processTypes).toEqual({ web: 'serve', worker: 'work', clock: 'node clock.js' });
    expect(await store.moveImages('m1', moved)).toBe(0);
  });
});
