// Heroku's log-drains API on a real control plane (Redis, NATS), with its forwarder delivering
// the app's log stream to real receivers on loopback: TLS syslog, UDP syslog and HTTPS.
import { connect, type NatsConnection } from 'nats';
import { silentLogger } from '../../common/logger.js';
import { loadControlPlaneConfig } from '../config.js';
import { startControlPlane } from '../platform.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode, subjects, type LogBatch, type LogLine } from '../../common/protocol.js';
import { apiClient, NO_BUILDS, startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';
import { httpsDrainReceiver, tlsSyslogReceiver, udpSyslogReceiver, type HttpsDrainReceiver, type SyslogReceiver } from '../../test/support/drain-receivers.js';
import { makeTestCa, type TestCa } from '../../test/support/test-ca.js';
import { waitFor } from '../../test/support/wait.js';

describe('log drains', () => {
  let cp: TestControlPlane;
  let ca: TestCa;
  let nats: NatsConnection;
  let admin: ReturnType<typeof apiClient>;
  let stranger: ReturnType<typeof apiClient>;
  let appId: string;
  let tls: SyslogReceiver;
  let udp: SyslogReceiver;
  let https: HttpsDrainReceiver;

  const drainEnv = { SLIPWAY_LOG_DRAIN_CA_FILE: '', SLIPWAY_LOG_DRAIN_ALLOWED_NETWORKS: '127.0.0.0/8', SLIPWAY_LOG_DRAINS_PER_APP: '3', SLIPWAY_LOG_DRAIN_BUFFER_LINES: '50' };
  /** Another control plane on the same Redis and NATS (a second one, or the first started again). */
  const anotherControlPlane = () =>
    startControlPlane(
      loadControlPlaneConfig({ ...drainEnv, SLIPWAY_HOME: cp.home, SLIPWAY_API_PORT: '0', SLIPWAY_REDIS_URL: cp.redis.url, SLIPWAY_NATS_URL: cp.nats.url, SLIPWAY_REGISTRY: '127.0.0.1:1', SLIPWAY_LOCAL_HOSTS: '0', SLIPWAY_CONTROL_PLANE_METRICS_PORT: '0' }),
      silentLogger(),
      { builder: NO_BUILDS },
    );
  const appLine = (text: string): LogLine => ({ appName: 'drained', appId, source: 'app', process: 'web.1', line: text, at: new Date().toISOString() });

  beforeAll(async () => {
    ca = await makeTestCa();
    drainEnv.SLIPWAY_LOG_DRAIN_CA_FILE = ca.caFile;
    cp = await startTestControlPlane(drainEnv, { builder: NO_BUILDS });
    nats = await connect({ servers: cp.nats.url });
    admin = apiClient(cp.url, cp.adminToken);
    stranger = apiClient(cp.url, (await admin('POST', '/users', { email: 'stranger@example.com' })).body.token as string);
    appId = (await admin('POST', '/apps', { name: 'drained' })).body.id;
    [tls, udp, https] = await Promise.all([tlsSyslogReceiver(ca), udpSyslogReceiver(), httpsDrainReceiver(ca)]);
  });
  afterAll(async () => {
    await nats?.close();
    await cp?.stop();
    await Promise.all([tls?.stop(), udp?.stop(), https?.stop()]);
    await ca?.remove();
  });

  it("adds drains in Heroku's shape, and refuses bad, internal, repeated and surplus ones with 422", async () => {
    const added = await admin('POST', '/apps/drained/log-drains', { url: `syslog+tls://127.0.0.1:${tls.port}` });
    expect(added.status).toBe(201);
    expect(added.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      url: `syslog+tls://127.0.0.1:${tls.port}`,
      token: expect.stringMatching(/^d\.[0-9a-f-]{36}$/),
      addon: null,
      app: { id: appId, name: 'drained' },
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const invalid = await admin('POST', '/apps/drained/log-drains', { url: 'ftp://example.com' });
    expect(invalid).toMatchObject({ status: 422, body: { id: 'invalid_params', message: expect.stringContaining('Url is invalid') } });
    expect(Object.keys(invalid.body).sort()).toEqual(['id', 'message']);
    expect((await admin('POST', '/apps/drained/log-drains', { url: 'https://10.0.0.8/logs' })).body.message).toMatch(/internal address/);
    expect((await admin('POST', '/apps/drained/log-drains', { url: 'http://127.0.0.1:9/' })).status).toBe(422);
    expect((await admin('POST', '/apps/drained/log-drains', { url: `syslog+tls://127.0.0.1:${tls.port}` })).body.message).toBe('Url has already been taken.');
    expect((await admin('POST', '/apps/drained/log-drains', { url: `syslog+udp://127.0.0.1:${udp.port}` })).status).toBe(201);
    expect((await admin('POST', '/apps/drained/log-drains', { url: https.url })).status).toBe(201);
    const surplus = await admin('POST', '/apps/drained/log-drains', { url: 'syslog+tls://127.0.0.1:1' });
    expect(surplus).toMatchObject({ status: 422, body: { id: 'limit_exceeded' } });
    expect((await stranger('GET', '/apps/drained/log-drains')).status).toBe(403);
    expect((await stranger('POST', '/apps/drained/log-drains', { url: 'syslog+tls://127.0.0.1:1' })).status).toBe(403);
  });

  it('lists drains and finds one by id, URL or token', async () => {
    const list = (await admin('GET', '/apps/drained/log-drains')).body as { id: string; url: string; token: string }[];
    expect(list.map((d) => d.url)).toEqual([`syslog+tls://127.0.0.1:${tls.port}`, `syslog+udp://127.0.0.1:${udp.port}`, https.url]);
    for (const ref of [list[0]!.id, list[0]!.url, list[0]!.token]) {
      expect((await admin('GET', `/apps/drained/log-drains/${encodeURIComponent(ref)}`)).body.id).toBe(list[0]!.id);
    }
    expect((await admin('GET', '/apps/drained/log-drains/nope')).status).toBe(404);
  });

  it("forwards the app's lines (single and batched, app and router) to every drain", async () => {
    const js = nats.jetstream();
    // the forwarder picks the drains up within its pass; lines sent before that are not promised
    await waitFor('the forwarder to reach every drain', async () => {
      await js.publish(subjects.logs(appId), encode(appLine('probe')));
      return tls.messages.length > 0 && udp.messages.length > 0 && https.messages().length > 0;
    }, 20_000);
    for (let i = 0; i < 20; i++) await js.publish(subjects.logs(appId), encode(appLine(`hello ${i}`)));
    const batch: LogBatch = { appName: 'drained', appId, source: 'router', process: 'router', lines: [{ line: 'at=info method=GET path="/" status=200', at: new Date().toISOString() }] };
    await js.publish(subjects.logs(appId), encode(batch));
    const arrived = (messages: () => string[]) => messages().filter((m) => / hello \d+\n?$/.test(m)).length === 20 && messages().some((m) => m.includes(' slipway router - - at=info method=GET'));
    await waitFor('lines at every drain', () => arrived(() => tls.messages) && arrived(() => udp.messages) && arrived(() => https.messages()), 10_000);
    const token = (await admin('GET', '/apps/drained/log-drains')).body[0].token as string;
    expect(tls.messages.find((m) => m.endsWith(' hello 0'))).toMatch(new RegExp(`^<190>1 \\S+ ${token.replace('.', '\\.')} app web\\.1 - - hello 0$`));
    const metrics = await (await fetch(`${cp.controlPlane.metricsUrl}`)).text();
    expect(metrics).toMatch(/slipway_log_drain_lines_delivered_total\{app="drained",drain="[^"]+"\} \d+/);
  });

  it('keeps the other drains going while one is down, and reports the drops once it is back', async () => {
    const js = nats.jetstream();
    await tls.stop();
    for (let i = 0; i < 200; i++) await js.publish(subjects.logs(appId), encode(appLine(`outage ${i}`)));
    await waitFor('the drains that are up to get every line', () => udp.messages.filter((m) => / outage \d+$/.test(m)).length === 200 && https.messages().filter((m) => / outage \d+\n$/.test(m)).length === 200, 10_000);
    await tls.start();
    await js.publish(subjects.logs(appId), encode(appLine('after the outage')));
    await waitFor('lines after the outage at the TLS drain', () => tls.messages.some((m) => m.endsWith(' after the outage')), 20_000);
    await waitFor('the L10 report', () => tls.messages.find((m) => m.includes('Error L10 (output buffer overflow)')), 20_000);
    const report = tls.messages.find((m) => m.includes('Error L10'))!;
    const dropped = Number(/: (\d+) messages dropped since /.exec(report)![1]);
    // 200 lines into a 50-line buffer: the newest 50 arrive, the other 150 are reported dropped
    const arrived = tls.messages.filter((m) => / outage \d+$/.test(m)).length;
    expect(dropped + arrived).toBe(200);
    expect(dropped).toBeGreaterThanOrEqual(150);
    const metrics = await (await fetch(`${cp.controlPlane.metricsUrl}`)).text();
    expect(metrics).toMatch(/slipway_log_drain_lines_dropped_total\{app="drained",drain="[^"]+"\} [1-9]\d*/);
  });

  it('removes a drain by URL, as heroku drains:remove names it', async () => {
    const removed = await admin('DELETE', `/apps/drained/log-drains/${encodeURIComponent(https.url)}`);
    expect(removed).toMatchObject({ status: 200, body: { url: https.url } });
    expect((await admin('GET', '/apps/drained/log-drains')).body).toHaveLength(2);
    expect((await admin('DELETE', `/apps/drained/log-drains/${encodeURIComponent(https.url)}`)).status).toBe(404);
  });

  it('forwards each line once with two control planes, and goes on after a restart from where it stopped', async () => {
    const js = nats.jetstream();
    const second = await anotherControlPlane();
    const count = (text: string) => tls.messages.filter((m) => m.endsWith(` ${text}`)).length;
    for (let i = 0; i < 30; i++) await js.publish(subjects.logs(appId), encode(appLine(`once ${i}`)));
    await waitFor('the lines at the TLS drain', () => count('once 29') === 1, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(Array.from({ length: 30 }, (_, i) => count(`once ${i}`))).toEqual(Array(30).fill(1));
    // The forwarding control plane stops; lines logged while none forwards wait in the stream.
    await cp.controlPlane.stop();
    await second.stop();
    for (let i = 0; i < 10; i++) await js.publish(subjects.logs(appId), encode(appLine(`while down ${i}`)));
    const restarted = await anotherControlPlane();
    try {
      await waitFor('the lines logged while no control plane ran', () => count('while down 9') === 1, 20_000);
      expect(Array.from({ length: 10 }, (_, i) => count(`while down ${i}`))).toEqual(Array(10).fill(1));
    } finally {
      await restarted.stop();
    }
  });

});
