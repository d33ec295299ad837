// App settings through PATCH /apps/{app} on a real control plane (Redis, NATS): maintenance
// mode and the SIGTERM grace of the app's processes, shown in the app's JSON, refused with the
// reason when out of range, and the grace the stops of the app's instances use.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, startTestControlPlane, type TestControlPlane } from '../test/support/control-plane.js';
import { stopGraceSeconds } from './apps/stop-grace.js';

describe('app settings', () => {
  let cp: TestControlPlane;
  let call: ReturnType<typeof apiClient>;
  let redis: Redis;
  const route = async () => JSON.parse((await redis.hget('slipway:routes', 'settled')) ?? 'null');

  beforeAll(async () => {
    cp = await startTestControlPlane();
    call = apiClient(cp.url, cp.adminToken);
    redis = new Redis(cp.redis.url);
    expect((await call('POST', '/apps', { name: 'settled' })).status).toBe(201);
  });

  afterAll(async () => {
    redis?.disconnect();
    await cp?.stop();
  });

  it('turns maintenance mode on and off, and publishes it in the route', async () => {
    expect((await call('GET', '/apps/settled')).body.maintenance).toBe(false);
    const on = await call('PATCH', '/apps/settled', { maintenance: true });
    expect(on.status).toBe(200);
    expect(on.body.maintenance).toBe(true);
    expect(await route()).toMatchObject({ appName: 'settled', maintenance: true });
    expect((await call('PATCH', '/apps/settled', { maintenance: false })).body.maintenance).toBe(false);
    expect((await route()).maintenance).toBeUndefined();
  });

  it('sets, shows and clears the stop grace, within 1 to 300 seconds', async () => {
    expect((await call('GET', '/apps/settled')).body.stop_timeout_seconds).toBeNull();
    const set = await call('PATCH', '/apps/settled', { stop_timeout_seconds: 90 });
    expect(set.status).toBe(200);
    expect(set.body.stop_timeout_seconds).toBe(90);
    const app = (await cp.controlPlane.services.apps.getByName('settled'))!;
    expect(stopGraceSeconds(app, 10)).toBe(90);
    for (const bad of [0, 301, 2.5, '30']) {
      const refused = await call('PATCH', '/apps/settled', { stop_timeout_seconds: bad });
      expect(refused.status).toBe(422);
      expect(refused.body.message).toMatch(/stop_timeout_seconds/);
    }
    expect((await call('PATCH', '/apps/settled', { stop_timeout_seconds: null })).body.stop_timeout_seconds).toBeNull();
    expect(stopGraceSeconds((await cp.controlPlane.services.apps.getByName('settled'))!, 10)).toBe(10);
  });
});
