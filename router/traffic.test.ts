// Per-app traffic windows from a real router (HAProxy, its access log, NATS): requests through
// it to a backend on 127.0.0.1 arrive at the control plane's subject summed per app, each sent
// until it is acknowledged (they carry metered usage).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode, routerTraffic, subjects, type RouterTraffic } from '../common/protocol.js';
import { backendOf, httpRequest, startBackend, startRouteSources, startTestRouter, type RouteSources, type TestBackend, type TestRouter } from './testing/router-fixtures.js';

describe('router traffic windows', () => {
  let sources: RouteSources;
  let router: TestRouter;
  let backend: TestBackend;
  const windows: RouterTraffic[] = [];
  /** Windows left unacknowledged, as by a control plane that died before keeping them. */
  let ignore = 0;

  beforeAll(async () => {
    sources = await startRouteSources();
    backend = await startBackend('counted', (req, res) => {
      res.writeHead(req.url === '/fail' ? 500 : 200, { 'content-type': 'text/plain' }).end('ok\n');
    });
    sources.nc.subscribe(subjects.routerTraffic, {
      callback: (err, msg) => {
        if (err) return;
        if (ignore > 0) return void (ignore -= 1);
        windows.push(decode(routerTraffic, msg.data));
        msg.respond(new TextEncoder().encode('{"ok":true}'));
      },
    });
    await sources.redis.hset('slipway:routes', 'counted', JSON.stringify({ appName: 'counted', appId: 'app-counted', hostnames: ['counted.localhost'], backends: [backendOf('counted.web.1', backend)] }));
    router = await startTestRouter(sources.urls, { SLIPWAY_ROUTER_TRAFFIC_WINDOW_MS: '500' });
  });
  afterAll(async () => {
    await router?.stop();
    await backend?.close();
    await sources?.stop();
  });

  it('sums each app’s requests, status classes, bytes and latency per window', async () => {
    for (let i = 0; i < 40; i++) expect((await httpRequest(router.httpPort, 'counted.localhost', i < 38 ? '/' : '/fail')).status).toBe(i < 38 ? 200 : 500);
    const deadline = Date.now() + 10_000;
    const total = () => windows.flatMap((w) => w.apps).filter((a) => a.appId === 'app-counted');
    while (total().reduce((sum, a) => sum + a.requests, 0) < 40 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    const apps = total();
    expect(apps.reduce((sum, a) => sum + a.requests, 0)).toBe(40);
    expect(apps.reduce((sum, a) => sum + (a.classes['2xx'] ?? 0), 0)).toBe(38);
    expect(apps.reduce((sum, a) => sum + (a.classes['5xx'] ?? 0), 0)).toBe(2);
    expect(apps.every((a) => a.appName === 'counted' && a.bytes > 0 && a.p95Ms !== null && a.p95Ms >= a.p50Ms!)).toBe(true);
    for (const w of windows) expect(Date.parse(w.windowEnd)).toBeGreaterThan(Date.parse(w.windowStart));
  });

  it('sends a window again until it is acknowledged, under the same router id and times', async () => {
    const before = windows.length;
    ignore = 1;
    expect((await httpRequest(router.httpPort, 'counted.localhost', '/')).status).toBe(200);
    const deadline = Date.now() + 15_000;
    while (windows.length === before && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    const resent = windows.slice(before);
    expect(resent.length).toBeGreaterThan(0);
    expect(resent[0]!.routerId).toBe(windows[0]!.routerId);
    expect(resent[0]!.apps.reduce((sum, a) => sum + a.requests, 0)).toBe(1);
    expect(ignore).toBe(0);
  }, 30_000);
});
