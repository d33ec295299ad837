// Health checks in the agent: httpHealth against a real HTTP server on loopback, and the
// instance lifecycle's use of them against the in-memory engine with scripted answers.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HealthCheck } from '../common/health-check.js';
import { silentLogger } from '../common/logger.js';
import type { InstanceStatus } from '../common/protocol.js';
import { waitFor } from '../test/support/wait.js';
import { httpHealth } from './health.js';
import { InstanceManager } from './instances.js';
import { runRequest } from './testing/agent-fixtures.js';
import { FakeEngine } from './testing/fake-engine.js';

const check = (overrides: Partial<HealthCheck> = {}): HealthCheck => ({ path: '/health', status: null, intervalSeconds: 1, timeoutSeconds: 1, attempts: 2, ...overrides });

describe('httpHealth', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/health') return void res.writeHead(204).end();
      if (req.url === '/teapot') return void res.writeHead(418).end();
      if (req.url === '/redirect') return void res.writeHead(302, { location: '/elsewhere' }).end();
      if (req.url === '/hang') return; // never answers
      res.writeHead(500).end('broken');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('passes any 2xx or 3xx without an expected status, and only that status with one', async () => {
    expect(await httpHealth('127.0.0.1', port, check())).toEqual({ healthy: true, detail: 'GET /health answered 204' });
    expect(await httpHealth('127.0.0.1', port, check({ path: '/redirect' }))).toMatchObject({ healthy: true });
    expect(await httpHealth('127.0.0.1', port, check({ path: '/broken' }))).toEqual({ healthy: false, detail: 'GET /broken answered 500' });
    expect(await httpHealth('127.0.0.1', port, check({ path: '/teapot', status: 418 }))).toMatchObject({ healthy: true });
    expect(await httpHealth('127.0.0.1', port, check({ status: 200 }))).toMatchObject({ healthy: false });
  });

  it('fails on no answer within the timeout, and on no connection', async () => {
    expect(await httpHealth('127.0.0.1', port, check({ path: '/hang', timeoutSeconds: 1 }))).toEqual({ healthy: false, detail: 'GET /hang: no answer within 1 s' });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    closed.close();
    expect(await httpHealth('127.0.0.1', closedPort, check())).toEqual({ healthy: false, detail: 'GET /health: no connection' });
  });
});

describe('InstanceManager with a health check', () => {
  const image = { repository: 'apps/shop', digest: `sha256:${'c'.repeat(64)}` };
  const managers: InstanceManager[] = [];
  afterEach(async () => {
    for (const manager of managers.splice(0)) await manager.shutdown(false);
  });

  function setup() {
    const engine = new FakeEngine();
    const statuses: InstanceStatus[] = [];
    const reportTimes: number[] = []; // Date.now() of each status, in the order of `statuses`
    const answers = new Map<number, boolean>();
    const asked: string[] = [];
    const manager = new InstanceManager({
      host: { hostId: 'host-a', registry: '127.0.0.1:5000', address: '127.0.0.1' },
      memoryMb: 4096,
      engine,
      reports: { statusChanged: (status) => void (statuses.push(status), reportTimes.push(Date.now())), logLine: () => {} },
      // $PORT always answers: only the health check decides
      probe: async () => true,
      health: async (_address, port, c) => {
        asked.push(c.path);
        const healthy = answers.get(port) ?? false;
        return { healthy, detail: `GET ${c.path} answered ${healthy ? 200 : 500}` };
      },
      log: silentLogger(),
      timing: { probeIntervalMs: 10, logDrainMs: 10, shutdownGraceSeconds: 4 },
    });
    engine.onEvent = (event) => manager.containerEvent(event);
    managers.push(manager);
    const stateOf = (id: string) => statuses.filter((s) => s.instanceId === id).map((s) => s.state);
    return { engine, manager, statuses, reportTimes, answers, asked, stateOf };
  }

  it('keeps a booting instance starting until its check passes, though $PORT answers', async () => {
    const { manager, answers, asked, stateOf } = setup();
    const request = runRequest(image, { healthCheck: check() });
    const reply = await manager.run(request);
    await waitFor('a few checks', () => asked.length >= 3);
    expect(stateOf(request.instanceId)).toEqual(['starting']);
    answers.set(reply.port!, true);
    await waitFor('up', () => stateOf(request.instanceId).includes('up'));
  });

  it('takes an up instance out after `attempts` failed checks in a row: crashed with the reason, stopped gracefully, removed', async () => {
    const { engine, manager, statuses, answers, stateOf } = setup();
    const request = runRequest(image, { healthCheck: check({ attempts: 2, intervalSeconds: 1 }) });
    const reply = await manager.run(request);
    answers.set(reply.port!, true);
    await waitFor('up', () => stateOf(request.instanceId).includes('up'));
    const failedAt = Date.now();
    answers.set(reply.port!, false);
    const crashed = await waitFor('crashed', () => statuses.find((s) => s.instanceId === request.instanceId && s.state === 'crashed'), 10_000);
    expect(Date.now() - failedAt).toBeGreaterThanOrEqual(1500); // two intervals, not one
    expect(crashed).toMatchObject({ exitCode: null, reason: 'failed 2 health checks in a row (GET /health answered 500)' });
    expect(engine.stops).toEqual([{ id: reply.containerId, graceSeconds: 4 }]);
    await waitFor('removal', () => (engine.containers.has(reply.containerId!) ? undefined : true));
    expect(stateOf(request.instanceId)).toEqual(['starting', 'up', 'crashed']);
  });

  it("stops it with the app's grace when its run carried one", async () => {
    const { engine, manager, answers, stateOf } = setup();
    const request = runRequest(image, { healthCheck: check({ attempts: 1, intervalSeconds: 1 }), stopGraceSeconds: 45 });
    const reply = await manager.run(request);
    answers.set(reply.port!, true);
    await waitFor('up', () => stateOf(request.instanceId).includes('up'));
    answers.set(reply.port!, false);
    await waitFor('the stop', () => engine.stops.length > 0, 10_000);
    expect(engine.stops).toEqual([{ id: reply.containerId, graceSeconds: 45 }]);
  });

  it('waits the drain its run carried between reporting it crashed and its SIGTERM', async () => {
    const { engine, manager, statuses, reportTimes, answers, stateOf } = setup();
    const request = runRequest(image, { healthCheck: check({ attempts: 1, intervalSeconds: 1 }), drainMs: 700 });
    const reply = await manager.run(request);
    answers.set(reply.port!, true);
    await waitFor('up', () => stateOf(request.instanceId).includes('up'));
    answers.set(reply.port!, false);
    await waitFor('crashed', () => statuses.find((s) => s.instanceId === request.instanceId && s.state === 'crashed'), 10_000);
    expect(engine.stops).toEqual([]);
    await waitFor('the stop', () => engine.stops.length > 0, 10_000);
    // From the crash report to the stop, as the fakes saw them (a loaded test runner notices
    // both late); a timer may fire a millisecond early against Date.now's rounding.
    const reportedAt = reportTimes[statuses.findIndex((s) => s.instanceId === request.instanceId && s.state === 'crashed')]!;
    expect(engine.stopTimes[0]! - reportedAt).toBeGreaterThanOrEqual(699);
  });

  it('forgives a failure followed by a pass', async () => {
    const { manager, answers, asked, stateOf } = setup();
    const request = runRequest(image, { healthCheck: check({ attempts: 2, intervalSeconds: 1 }) });
    const reply = await manager.run(request);
    answers.set(reply.port!, true);
    await waitFor('up', () => stateOf(request.instanceId).includes('up'));
    const before = asked.length;
    // fail, pass, fail, pass: never two in a row
    for (let i = 0; i < 4; i++) {
      answers.set(reply.port!, i % 2 === 1);
      await waitFor('the next check', () => asked.length > before + i, 5000);
    }
    expect(stateOf(request.instanceId)).toEqual(['starting', 'up']);
  });
});
