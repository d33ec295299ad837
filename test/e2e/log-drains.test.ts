// Log drains through the whole platform (`npm start`'s launcher): drains added with the stock
// heroku CLI and Slipway's, an app pushed with git, traffic through the router, and the app's
// output and the router's access lines arriving at real receivers on loopback (TLS syslog with
// a CA made for the test, UDP syslog, HTTPS); then the TLS receiver goes down and comes back.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpsDrainReceiver, tlsSyslogReceiver, udpSyslogReceiver, type HttpsDrainReceiver, type SyslogReceiver } from '../support/drain-receivers.js';
import { makeTestCa, type TestCa } from '../support/test-ca.js';
import { herokuEnv, runHeroku, type HerokuRun } from './heroku-cli-env.js';
import { api, burstViaRouter, fixtureRepo, git, gitUrl, newHome, platformEnv, removePlatformImages, slipwayCli, startPlatform, viaRouter, waitFor, type RunningPlatform } from './harness.js';

const exec = promisify(execFile);
// Small enough that the outage below overflows the dead drain's buffer, large enough for one
// wave of the outage's traffic (the healthy drains must lose nothing).
const BUFFER_LINES = 300;
const WAVES = 6;
const WAVE_REQUESTS = 100;

describe('log drains through the whole platform', () => {
  let platform: RunningPlatform;
  let env: Record<string, string>;
  let ca: TestCa;
  let tls: SyslogReceiver;
  let udp: SyslogReceiver;
  let https: HttpsDrainReceiver;
  let repo: string;
  let cliHome: string;
  const cleanup: string[] = [];

  const tlsUrl = () => `syslog+tls://127.0.0.1:${tls.port}`;
  const udpUrl = () => `syslog+udp://127.0.0.1:${udp.port}`;
  const heroku = (...args: string[]): Promise<HerokuRun> => runHeroku(args, herokuEnv(platform, cliHome), repo);
  const ok = async (...args: string[]): Promise<HerokuRun> => {
    const run = await heroku(...args);
    expect(run.code, `heroku ${args.join(' ')}:\n${run.out}`).toBe(0);
    return run;
  };
  const slipway = async (...args: string[]): Promise<string> => {
    const cli = slipwayCli(platform);
    return (await exec(cli.argv[0]!, [...cli.argv.slice(1), ...args], { env: cli.env })).stdout;
  };
  const routerLines = (messages: readonly string[]) => messages.filter((m) => / slipway router - - at=info .*status=200/.test(m));

  beforeAll(async () => {
    ca = await makeTestCa();
    [tls, udp, https] = await Promise.all([tlsSyslogReceiver(ca), udpSyslogReceiver(), httpsDrainReceiver(ca)]);
    const home = await newHome();
    cliHome = await mkdtemp(join(tmpdir(), 'slipway-drains-cli-home-'));
    repo = await fixtureRepo('node-hello');
    cleanup.push(home, cliHome, repo);
    env = await platformEnv(home, {
      SLIPWAY_BOOT_TIMEOUT_SECONDS: '30',
      SLIPWAY_RECONCILE_INTERVAL_MS: '1000',
      SLIPWAY_STOP_GRACE_SECONDS: '3',
      SLIPWAY_LOG_DRAIN_CA_FILE: ca.caFile,
      // the receivers are on loopback, which drains may not reach by default
      SLIPWAY_LOG_DRAIN_ALLOWED_NETWORKS: '127.0.0.0/8',
      SLIPWAY_LOG_DRAIN_BUFFER_LINES: String(BUFFER_LINES),
    });
    platform = await startPlatform(env);
    expect((await api(platform.endpoints)('POST', '/apps', { name: 'drained' })).status).toBe(201);
  });

  afterAll(async () => {
    await platform?.stop().catch(() => {});
    await removePlatformImages(env);
    await Promise.all([tls?.stop(), udp?.stop(), https?.stop()]);
    await ca?.remove();
    for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
  });

  it('adds drains with the stock heroku CLI and lists them with both CLIs', async () => {
    for (const url of [tlsUrl(), udpUrl(), https.url]) {
      expect((await ok('drains:add', url, '-a', 'drained')).stdout).toContain(`Successfully added drain ${url}`);
    }
    const listed = await ok('drains', '-a', 'drained');
    expect(listed.stdout).toContain('=== Drains');
    for (const url of [tlsUrl(), udpUrl(), https.url]) expect(listed.stdout).toMatch(new RegExp(`${url.replace(/[.+/:]/g, '\\$&')} \\(d\\.[0-9a-f-]{36}\\)`));
    expect(JSON.parse((await ok('drains', '--json', '-a', 'drained')).stdout)).toHaveLength(3);
    const refused = await heroku('drains:add', 'ftp://logs.example.com', '-a', 'drained');
    expect(refused.code).not.toBe(0);
    expect(refused.out).toContain('Url is invalid');
    const internal = await heroku('drains:add', 'https://169.254.169.254/latest', '-a', 'drained');
    expect(internal.out).toContain('internal address');
    const ours = JSON.parse(await slipway('drains', '--json', '-a', 'drained')) as { url: string; token: string }[];
    expect(ours.map((d) => d.url)).toEqual([tlsUrl(), udpUrl(), https.url]);
    expect(await slipway('drains', '-a', 'drained')).toMatch(/^URL\s+TOKEN\n/);
  });

  it("delivers the app's output, platform events and the router's access lines to every drain", async () => {
    const pushed = await git(repo, ['push', gitUrl(platform.endpoints, 'drained'), 'HEAD:main']);
    expect(pushed.code, pushed.out).toBe(0);
    await waitFor('the app through the router', async () => (await viaRouter(platform.endpoints, 'drained')).status === 200, 60_000);
    for (let i = 0; i < 20; i++) expect((await viaRouter(platform.endpoints, 'drained', `/hello-${i}`)).status).toBe(200);
    const complete = (messages: () => string[]) => {
      const all = messages();
      return all.some((m) => / app web\.1 - - listening on /.test(m)) && all.some((m) => / slipway web\.1 - - State changed from starting to up/.test(m)) && routerLines(all).filter((m) => /hello-\d+/.test(m)).length >= 20;
    };
    await waitFor('every drain to get app, platform and router lines', () => complete(() => tls.messages) && complete(() => udp.messages) && complete(() => https.messages()), 60_000);
    const token = (JSON.parse(await slipway('drains', '--json', '-a', 'drained')) as { token: string }[])[0]!.token;
    expect(tls.messages.find((m) => / listening on /.test(m))).toMatch(new RegExp(`^<190>1 \\S+ ${token.replace('.', '\\.')} app web\\.1 - - listening on \\d+$`));
    expect(https.requests[0]!.headers['content-type']).toBe('application/logplex-1');
    console.log(`delivered before the outage: tls ${tls.messages.length}, udp ${udp.messages.length}, https ${https.messages().length} lines`);
  });

  it('keeps the app, the router and the other drains going while one drain is down; lines after it is back arrive and the drops are reported', async () => {
    await tls.stop();
    const started = Date.now();
    const statuses = new Map<number, number>();
    for (let wave = 0; wave < WAVES; wave++) {
      for (const [status, count] of await burstViaRouter(platform.endpoints, 'drained', { requests: WAVE_REQUESTS, connections: 4, path: '/during-outage' })) statuses.set(status, (statuses.get(status) ?? 0) + count);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const burstMs = Date.now() - started;
    expect([...statuses.entries()]).toEqual([[200, WAVES * WAVE_REQUESTS]]);
    // What the platform logged of the burst (the app's log stream) is what a drain that is up must get.
    const logged = async () => {
      const res = await fetch(`${platform.endpoints.api}/apps/drained/logs?lines=1500`, { headers: { authorization: `Bearer ${platform.endpoints.token}`, accept: 'application/vnd.heroku+json; version=3' } });
      return (await res.text()).split('\n').filter((l) => l.includes('/during-outage') && l.includes('status=200')).length;
    };
    const during = (messages: readonly string[]) => routerLines(messages).filter((m) => m.includes('/during-outage')).length;
    let stable = { logged: -1, https: -1, udp: -1 };
    await waitFor('the drains that are up to take every line logged', async () => {
      const now = { logged: await logged(), https: during(https.messages()), udp: during(udp.messages) };
      const settled = now.logged > 0 && now.https === now.logged && JSON.stringify(now) === JSON.stringify(stable);
      stable = now;
      if (!settled) throw new Error(`not yet: ${JSON.stringify(now)}`);
      return settled;
    }, 60_000);
    expect(stable.logged).toBeGreaterThan(WAVES * WAVE_REQUESTS * 0.9);
    expect(stable.udp).toBeGreaterThanOrEqual(stable.logged * 0.9);
    await tls.start();
    const receivedDuring = tls.messages.filter((m) => m.includes('/during-outage')).length;
    await waitFor('lines after the outage at the TLS drain', async () => {
      await viaRouter(platform.endpoints, 'drained', '/after-outage');
      return tls.messages.some((m) => m.includes('/after-outage'));
    }, 60_000);
    const drains = JSON.parse(await slipway('drains', '--json', '-a', 'drained')) as { id: string; url: string; token: string }[];
    const dead = drains.find((d) => d.url === tlsUrl())!;
    const report = await waitFor('the L10 report at the TLS drain', () => tls.messages.find((m) => m.includes('Error L10 (output buffer overflow)') && m.endsWith(`on drain ${dead.token}.`)), 30_000);
    // the drains that stayed up lost nothing
    expect([...udp.messages, ...https.messages()].filter((m) => m.includes('Error L10') && !m.includes(dead.token))).toEqual([]);
    const dropped = Number(/: (\d+) messages dropped since /.exec(report)![1]);
    const arrived = tls.messages.filter((m) => m.includes('/during-outage')).length;
    // the buffer's newest lines and at most one batch in flight (200) arrive, the rest are reported
    expect(arrived).toBeLessThanOrEqual(BUFFER_LINES + 200);
    expect(dropped + arrived).toBeGreaterThanOrEqual(stable.logged);
    const metrics = await (await fetch(`http://127.0.0.1:${env.SLIPWAY_CONTROL_PLANE_METRICS_PORT}/metrics`)).text();
    const counted = Number(new RegExp(`slipway_log_drain_lines_dropped_total\\{app="drained",drain="${dead.id}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
    expect(counted).toBeGreaterThanOrEqual(dropped);
    // the report went to the app's log, so `heroku logs` shows it too
    expect((await ok('logs', '-n', '500', '-a', 'drained')).stdout).toContain('Error L10 (output buffer overflow)');
    console.log(`outage: ${WAVES * WAVE_REQUESTS} requests in ${burstMs} ms all 200; logged ${stable.logged} access lines, the HTTPS drain got ${stable.https}, UDP ${stable.udp}; during the outage the TLS drain got ${receivedDuring} lines; after it: ${arrived} of the outage's lines arrived, ${dropped} reported dropped (metric ${counted}); report: ${report}`);
  });

  it('removes drains with heroku drains:remove and slipway drains:remove', async () => {
    expect((await ok('drains:remove', https.url, '-a', 'drained')).stdout).toContain(`Successfully removed drain ${https.url}`);
    expect(await slipway('drains:remove', tlsUrl(), '-a', 'drained')).toContain(`Removed drain ${tlsUrl()} from drained`);
    const left = await ok('drains', '-a', 'drained');
    expect(left.stdout).toContain(udpUrl());
    expect(left.stdout).not.toContain(https.url);
  });
});
