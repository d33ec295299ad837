// Router traffic windows reach an app's metrics: published on NATS as routers do, kept in Redis,
// served through the API; a window for an app that does not exist is dropped.
import { connect } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode, subjects, type RouterTraffic } from '../../common/protocol.js';
import { apiClient, NO_BUILDS, startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';
import { waitFor } from '../../test/support/wait.js';

describe('router traffic in an app’s metrics', () => {
  let cp: TestControlPlane;
  let appId: string;
  beforeAll(async () => {
    cp = await startTestControlPlane({}, { builder: NO_BUILDS });
    appId = (await apiClient(cp.url, cp.adminToken)('POST', '/apps', { name: 'trafficked' })).body.id;
  });
  afterAll(async () => cp?.stop());

  it('serves each window with its throughput, classes and percentiles', async () => {
    const end = Date.now();
    const window = (startMs: number, endMs: number, app: { appId: string; appName: string }, requests: number): RouterTraffic => ({
      windowStart: new Date(startMs).toISOString(),
      windowEnd: new Date(endMs).toISOString(),
      apps: [{ ...app, requests, bytes: requests * 100, classes: { '2xx': requests - 1, '5xx': 1 }, p50Ms: 3, p95Ms: 12, p99Ms: 40 }],
    });
    const nc = await connect({ servers: cp.nats.url });
    nc.publish(subjects.routerTraffic, encode(window(end - 20_000, end - 10_000, { appId, appName: 'trafficked' }, 50)));
    nc.publish(subjects.routerTraffic, encode(window(end - 10_000, end, { appId, appName: 'trafficked' }, 200)));
    nc.publish(subjects.routerTraffic, encode(window(end - 10_000, end, { appId: 'no-such-app', appName: 'gone' }, 7)));
    await nc.flush();
    await nc.close();
    const admin = apiClient(cp.url, cp.adminToken);
    let body: any;
    await waitFor('two windows', async () => (body = (await admin('GET', '/apps/trafficked/metrics?minutes=5')).body).router.length === 2);
    expect(body.router[1]).toEqual({
      window_start: new Date(end - 10_000).toISOString(),
      window_end: new Date(end).toISOString(),
      requests: 200,
      requests_per_second: 20,
      bytes: 20_000,
      status_classes: { '2xx': 199, '5xx': 1 },
      p50_ms: 3,
      p95_ms: 12,
      p99_ms: 40,
    });
    expect(await cp.controlPlane.services.routerTraffic.since('no-such-app', 0)).toEqual([]);
  });
});
