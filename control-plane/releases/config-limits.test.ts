// Config var limits and release config storage, through the API on real Redis and NATS: a
// change past a limit is refused with the numbers and changes nothing; releases with the same
// config share one stored copy, and rollback still restores a release's exact config (records
// from before configs were shared, which embed theirs, included).
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, NO_BUILDS, startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';

describe('config vars: limits and storage', () => {
  let cp: TestControlPlane;
  let admin: ReturnType<typeof apiClient>;
  let redis: Redis;

  beforeAll(async () => {
    cp = await startTestControlPlane(
      {
        SLIPWAY_CONFIG_MAX_VARS: '5',
        SLIPWAY_CONFIG_MAX_NAME_BYTES: '16',
        SLIPWAY_CONFIG_MAX_VALUE_BYTES: '1000',
        SLIPWAY_CONFIG_MAX_TOTAL_BYTES: '2000',
      },
      { builder: NO_BUILDS },
    );
    admin = apiClient(cp.url, cp.adminToken);
    redis = new Redis(cp.redis.url);
  });
  afterAll(async () => {
    redis?.disconnect();
    await cp?.stop();
  });

  /** What Redis holds for an app: every key naming its id. */
  const bytesHeldFor = async (appId: string) => {
    let held = 0;
    for await (const batch of redis.scanStream({ match: `slipway:*${appId}*`, count: 1000 })) {
      // The app's audit log is its own, capped store (audit/audit-log.ts), not release storage.
      for (const key of batch as string[]) if (!key.startsWith('slipway:audit:')) held += Number(await redis.call('MEMORY', 'USAGE', key));
    }
    return held;
  };
  const versions = async (app: string) => (await admin('GET', `/apps/${app}/releases`)).body.map((r: { version: number }) => r.version);

  it('refuses a change past each limit with 422, naming the limit and the numbers, and changes nothing', async () => {
    await admin('POST', '/apps', { name: 'limited' });
    const first = { A: 'x'.repeat(900), B: 'y'.repeat(900) };
    expect((await admin('PATCH', '/apps/limited/config-vars', first)).status).toBe(200);

    const refused = [
      [{ C: 'z'.repeat(1001) }, /Config var C is 1001 bytes; the limit for one value is 1000 bytes/],
      [{ ['N'.repeat(17)]: '1' }, /is 17 bytes; the limit is 16 bytes/],
      [{ C: 'z'.repeat(200) }, /would make the app's config vars 2003 bytes \(names and values\); the limit is 2000 bytes per app/],
      [{ C: '1', D: '1', E: '1', F: '1' }, /would leave 6 config vars; the limit is 5 per app/],
      // multi-byte characters count in UTF-8 bytes: 334 × 3 = 1002
      [{ C: '€'.repeat(334) }, /Config var C is 1002 bytes/],
    ] as const;
    for (const [change, message] of refused) {
      const res = await admin('PATCH', '/apps/limited/config-vars', change);
      expect(res.status).toBe(422);
      expect(res.body).toEqual({ id: 'config_limit_exceeded', message: expect.stringMatching(message) });
    }
    expect((await admin('GET', '/apps/limited/config-vars')).body).toEqual(first);
    expect(await versions('limited')).toEqual([1]);

    // up to the limit is fine, and so is shrinking
    expect((await admin('PATCH', '/apps/limited/config-vars', { C: 'z'.repeat(197) })).status).toBe(200);
    expect((await admin('PATCH', '/apps/limited/config-vars', { A: null, C: 'z'.repeat(1000) })).status).toBe(200);
    expect(await versions('limited')).toEqual([1, 2, 3]);
  });

  it('stores a config shared by many releases once, and rollback restores each exactly', async () => {
    const created = await admin('POST', '/apps', { name: 'shared' });
    const appId: string = created.body.id;
    const big = { BIG: 'b'.repeat(900), BAG: 'c'.repeat(900) };
    expect((await admin('PATCH', '/apps/shared/config-vars', big)).status).toBe(200);
    // A release with code, so rollback applies (as a build would have cut it)
    await redis.set(`slipway:release:${appId}:1`, JSON.stringify({ ...JSON.parse((await redis.get(`slipway:release:${appId}:1`))!), image: { repository: 'apps/shared', digest: `sha256:${'1'.repeat(64)}` } }));
    const heldBefore = await bytesHeldFor(appId);
    // 20 more releases alternating between two configs
    for (let i = 0; i < 10; i++) {
      expect((await admin('PATCH', '/apps/shared/config-vars', { SMALL: '1' })).status).toBe(200);
      expect((await admin('PATCH', '/apps/shared/config-vars', { SMALL: null })).status).toBe(200);
    }
    expect(await versions('shared')).toHaveLength(21);
    const perRelease = ((await bytesHeldFor(appId)) - heldBefore) / 20;
    console.log(`20 releases of a 1806-byte config: Redis holds ${perRelease.toFixed(0)} more bytes per release for the app`);
    // the release records, and one more copy of the config (the second distinct one), not one per release
    expect(perRelease).toBeLessThan(1806 / 2);

    const rolled = await admin('POST', '/apps/shared/releases', { release: 1 });
    expect(rolled.status).toBe(201);
    expect((await admin('GET', '/apps/shared/config-vars')).body).toEqual(big);
  });

  it('reads release records that embed their config (written before configs were shared)', async () => {
    const created = await admin('POST', '/apps', { name: 'legacy' });
    const appId: string = created.body.id;
    expect((await admin('PATCH', '/apps/legacy/config-vars', { NEW: '1' })).status).toBe(200);
    const record = JSON.parse((await redis.get(`slipway:release:${appId}:1`))!);
    delete record.configHash;
    await redis.set(
      `slipway:release:${appId}:1`,
      JSON.stringify({ ...record, image: { repository: 'apps/legacy', digest: `sha256:${'2'.repeat(64)}` }, config: { OLD: 'kept', OTHER: 'too' } }),
    );
    expect((await admin('GET', '/apps/legacy/releases')).status).toBe(200);
    expect((await admin('POST', '/apps/legacy/releases', { release: 1 })).status).toBe(201);
    expect((await admin('GET', '/apps/legacy/config-vars')).body).toEqual({ OLD: 'kept', OTHER: 'too' });
    expect((await admin('PATCH', '/apps/legacy/config-vars', { NEW: '2' })).status).toBe(200);
    expect((await admin('POST', '/apps/legacy/releases', { release: 2 })).status).toBe(201);
    expect((await admin('GET', '/apps/legacy/config-vars')).body).toEqual({ OLD: 'kept', OTHER: 'too' });
  });
});
