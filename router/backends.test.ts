// Integration: backend lifecycle through the router (draining, ejection and retry, pooled
// backend connections, one instance surviving a refused connection, slot pool
// growth) plus its access logs on NATS and its metrics endpoint.
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../common/ports.js';
import { logLinesOf, subjects, type LogLine } from '../common/protocol.js';
import { unixSocketRuntimeApi } from './runtime-api.js';
import { parseServersState } from './runtime-commands.js';
import { statePaths } from './state-paths.js';
import { backendOf, httpRequest, startBackend, startTestRouter, type TestBackend, type TestRouter, startRouteSources, type RouteSources } from './testing/router-fixtures.js';

let sources: RouteSources;
let router: TestRouter;
const backends: TestBackend[] = [];

const servers = async () => parseServersState(await unixSocketRuntimeApi(statePaths(router.config.stateDir).adminSocket).send('show servers state'));

beforeAll(async () => {
  sources = await startRouteSources();
  router = await startTestRouter(sources.urls, {
    SLIPWAY_ROUTER_BACKEND_SLOTS: '2',
    // Slower than a retry's 1 s turnaround: an instance taken out of the route by one error
    // would still be out when its request is retried.
    SLIPWAY_ROUTER_HEALTH_CHECK_INTERVAL_MS: '4000',
  });
});

afterAll(async () => {
  await router?.stop();
  for (const backend of backends) {
    backend.server.closeAllConnections();
    await backend.close();
  }
  await sources?.stop();
});

async function backend(name: string, delayMs = 0): Promise<TestBackend> {
  const started = await startBackend(name, (req, res, self) => {
    setTimeout(() => res.end(JSON.stringify({ backend: self.name, url: req.url })), req.url === '/slow' ? delayMs : 0);
  });
  backends.push(started);
  return started;
}

describe('draining', () => {
  it('lets an in-flight request finish on a removed backend, sends it nothing new, then deletes it', async () => {
    const old = await backend('old', 1_500);
    const next = await backend('next');
    await sources.publish({ appName: 'drain', appId: 'drain-id', hostnames: ['drain.localhost'], backends: [backendOf('drain.web.1', old)] });
    await router.settled();

    const inFlight = httpRequest(router.httpPort, 'drain.localhost', '/slow');
    while (old.hits === 0) await new Promise((r) => setTimeout(r, 10));
    await sources.publish({ appName: 'drain', appId: 'drain-id', hostnames: ['drain.localhost'], backends: [backendOf('drain.web.2', next)] });
    await router.settled();
    const hitsOnOld = old.hits;
    for (let i = 0; i < 10; i++) expect(JSON.parse((await httpRequest(router.httpPort, 'drain.localhost')).body).backend).toBe('next');
    expect(old.hits).toBe(hitsOnOld);
    expect((await servers()).some((s) => s.port === old.port && s.draining)).toBe(true);

    const finished = await inFlight;
    expect(finished.status).toBe(200);
    expect(JSON.parse(finished.body).backend).toBe('old');
    // Once its session is over, the drained server is deleted from HAProxy.
    const deadline = Date.now() + 10_000;
    while ((await servers()).some((s) => s.port === old.port) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect((await servers()).some((s) => s.port === old.port)).toBe(false);
  });
});

describe('ejection and retry', () => {
  it('retries an idempotent request on another backend when one refuses connections, and ejects the refusing one', async () => {
    const alive = await backend('alive');
    const refusing = await freePort(); // nothing listens there
    await sources.publish({
      appName: 'eject',
      hostnames: ['eject.localhost'],
      backends: [{ instanceId: 'eject.web.1', address: '127.0.0.1', port: refusing }, backendOf('eject.web.2', alive)],
    });
    await router.settled();
    for (let i = 0; i < 20; i++) {
      const res = await httpRequest(router.httpPort, 'eject.localhost');
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body).backend).toBe('alive');
    }
    // The refused connection makes HAProxy check the instance at once; that check fails too.
    const dead = (await servers()).find((s) => s.port === refusing);
    const status = async () => {
      const state = await unixSocketRuntimeApi(statePaths(router.config.stateDir).adminSocket).send('show stat -1 4 -1');
      return state.split('\n').find((l) => dead && l.includes(`,${dead.server},`));
    };
    const deadline = Date.now() + 5_000;
    while (!/,DOWN/.test((await status()) ?? '') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(await status()).toMatch(/,DOWN/);
  });
});

describe('slot pool', () => {
  it('grows the pool with a hitless reload when more apps arrive than slots were declared', async () => {
    const target = await backend('many');
    // The pool started with 2 slots and 'drain' and 'eject' hold them.
    for (const name of ['many-a', 'many-b', 'many-c']) {
      await sources.publish({ appName: name, hostnames: [`${name}.localhost`], backends: [backendOf(`${name}.web.1`, target)] });
    }
    await router.settled();
    for (const name of ['many-a', 'many-b', 'many-c', 'drain']) {
      expect((await httpRequest(router.httpPort, `${name}.localhost`)).status).toBe(200);
    }
  });
});

describe('access logs and metrics', () => {
  it('publishes one access log line per request to the app log stream on NATS', async () => {
    const lines: LogLine[] = [];
    const sub = sources.nc.subscribe(subjects.logs('drain-id'), { callback: (_err, msg) => lines.push(...logLinesOf(msg.json())) });
    await sources.nc.flush();
    const res = await httpRequest(router.httpPort, 'drain.localhost', '/logged?x=1', { headers: { 'x-request-id': 'log-test-request-id-000001' } });
    expect(res.status).toBe(200);
    const deadline = Date.now() + 5_000;
    while (!lines.some((l) => l.line.includes('log-test-request-id-000001')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    sub.unsubscribe();
    const line = lines.find((l) => l.line.includes('log-test-request-id-000001'));
    expect(line).toMatchObject({ appName: 'drain', appId: 'drain-id', source: 'router', process: 'router' });
    expect(line!.line).toMatch(/^at=info method=GET path="\/logged\?x=1" host=drain\.localhost request_id=log-test-request-id-000001 fwd="127\.0\.0\.1" instance=drain\.web\.2 connect=\d+ms service=\d+ms total=\d+ms status=200 bytes=\d+ protocol=http$/);
    expect(Math.abs(Date.parse(line!.at) - Date.now())).toBeLessThan(60_000);
  });

  it('writes the error line itself for a request that failed (HAProxy\'s line is final only for normal ones)', async () => {
    const closedPort = await freePort();
    await sources.publish({ appName: 'refusing', appId: 'refusing-id', hostnames: ['refusing.localhost'], backends: [{ instanceId: 'refusing.web.1', address: '127.0.0.1', port: closedPort }] });
    await router.settled();
    const lines: LogLine[] = [];
    const sub = sources.nc.subscribe(subjects.logs('refusing-id'), { callback: (_err, msg) => lines.push(...logLinesOf(msg.json())) });
    await sources.nc.flush();
    const res = await httpRequest(router.httpPort, 'refusing.localhost', '/refused', { headers: { 'x-request-id': 'log-test-request-id-000002' } });
    expect(res.status).toBe(503);
    const deadline = Date.now() + 5_000;
    while (!lines.some((l) => l.line.includes('log-test-request-id-000002')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    sub.unsubscribe();
    const line = lines.find((l) => l.line.includes('log-test-request-id-000002'));
    expect(line!.line).toMatch(
      /^at=error code=H21 desc="[^"]+" method=GET path="\/refused" host=refusing\.localhost request_id=log-test-request-id-000002 fwd="127\.0\.0\.1" instance=\S+ connect=- service=- total=\d+ms status=503 bytes=\d+ protocol=http$/,
    );
  });

  it('serves its own and HAProxy metrics on the operator port', async () => {
    const res = await fetch(`http://127.0.0.1:${router.metricsPort}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/slipway_router_requests_total\{app="drain",status_class="2xx"\} [1-9]/);
    expect(text).toMatch(/slipway_router_request_duration_seconds_bucket\{le="[^"]+",app="drain"\}/);
    expect(text).toMatch(/slipway_router_backends\{app="drain"\} 1/);
    expect(text).toContain('haproxy_process_uptime_seconds');
    expect(text).toMatch(/haproxy_backend_http_responses_total\{proxy="slot_\d+",code="2xx"\}/);
  });
});

describe('backend connections', () => {
  it('keeps the only instance of an app in the route after one refused connection', async () => {
    const lonely = await backend('lonely');
    await sources.publish({ appName: 'lonely', hostnames: ['lonely.localhost'], backends: [backendOf('lonely.web.1', lonely)] });
    await router.settled();
    expect((await httpRequest(router.httpPort, 'lonely.localhost')).status).toBe(200);
    const server = (await servers()).find((s) => s.port === lonely.port)!;
    const observedErrors = async () => {
      const csv = await unixSocketRuntimeApi(statePaths(router.config.stateDir).adminSocket).send('show stat -1 4 -1');
      const header = csv.split('\n')[0]!.replace(/^# /, '').split(',');
      const row = csv.split('\n').find((line) => line.startsWith(`${server.backend},${server.server},`));
      // hanafail: errors HAProxy observed on live traffic to this server
      return Number(row?.split(',')[header.indexOf('hanafail')] ?? 0);
    };

    // The app stops listening for a moment (its listener restarts): a request cannot connect once.
    await lonely.close();
    const during = httpRequest(router.httpPort, 'lonely.localhost');
    const deadline = Date.now() + 5_000;
    while ((await observedErrors()) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(await observedErrors()).toBe(1);
    await new Promise<void>((resolve) => lonely.server.listen(lonely.port, '127.0.0.1', resolve));

    // That request is retried once the app listens again, and the app stays in the route.
    expect((await during).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await httpRequest(router.httpPort, 'lonely.localhost')).status).toBe(200);
  });

  it('reuses pooled connections to an instance added live instead of opening one per request', async () => {
    const pooled = await backend('pooled');
    await sources.publish({ appName: 'pooled', hostnames: ['pooled.localhost'], backends: [backendOf('pooled.web.1', pooled)] });
    await router.settled();
    const client = new Pool(`http://127.0.0.1:${router.httpPort}`, { connections: 8 });
    const requests = 2_000;
    const statuses = new Map<number, number>();
    try {
      const worker = async (count: number) => {
        for (let i = 0; i < count; i++) {
          const res = await client.request({ path: '/', method: 'GET', headers: { host: 'pooled.localhost' } });
          await res.body.dump();
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        }
      };
      await Promise.all(Array.from({ length: 8 }, () => worker(requests / 8)));
    } finally {
      await client.close();
    }
    expect(statuses).toEqual(new Map([[200, requests]]));
    expect(pooled.hits).toBe(requests);
    // Health checks connect too; together with the pooled connections, at most 1% of the requests.
    expect(pooled.connections).toBeLessThanOrEqual(requests / 100);
  });
});
