// `slipway logs` against the control plane's log endpoint (JetStream history, then follow),
// on real Redis and NATS.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode, subjects, type LogLine } from '../../common/protocol.js';
import { apiClient, startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';
import { inProcessCli } from '../testing/cli-harness.js';
import { logsPath } from './logs.js';

const APP = 'logged-cli';
const line = (n: number): LogLine => ({
  appName: APP,
  source: 'app',
  process: 'web.1',
  line: `line ${n} a=b`,
  at: new Date(Date.UTC(2026, 10, 24, 22, 0, n)).toISOString(),
});
const text = (n: number) => `2026-11-24T22:00:0${n}.000Z app[web.1]: line ${n} a=b`;

describe('logsPath', () => {
  it('asks for N lines, following or not', () => {
    expect(logsPath('my-app', 100, false)).toBe('/apps/my-app/logs?lines=100&tail=false');
    expect(logsPath('my-app', 5, true)).toBe('/apps/my-app/logs?lines=5&tail=true');
  });

  it('passes --source and --dyno on', () => {
    expect(logsPath('my-app', 5, false, { source: 'router', dyno: 'web.2' })).toBe('/apps/my-app/logs?lines=5&tail=false&source=router&dyno=web.2');
  });
});

describe('slipway logs', () => {
  let cp: TestControlPlane;
  let nats: NatsConnection;
  let home: string;
  let slipway: ReturnType<typeof inProcessCli>;
  let appId: string;

  beforeAll(async () => {
    cp = await startTestControlPlane({}, { builder: { ready: true, prepare: async () => {}, build: async () => Promise.reject(new Error('no builds')), tagImage: async () => {} } });
    nats = await connect({ servers: cp.nats.url });
    home = await mkdtemp(join(tmpdir(), 'slipway-cli-logs-'));
    slipway = inProcessCli({ home, cwd: home, env: { SLIPWAY_API_URL: cp.url, SLIPWAY_API_TOKEN: cp.adminToken } });
    const created = await apiClient(cp.url, cp.adminToken)('POST', '/apps', { name: APP });
    expect(created.status).toBe(201);
    appId = created.body.id;
    const js = nats.jetstream();
    for (const n of [1, 2, 3]) await js.publish(subjects.logs(appId), encode(line(n)));
    await js.publish(subjects.logs(appId), encode({ ...line(5), source: 'router', process: 'router', line: 'GET / 200' }));
  });
  afterAll(async () => {
    await nats?.close();
    await cp?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('prints the last N lines', async () => {
    const result = await slipway(['logs', '-a', APP, '-n', '2', '--source', 'app']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${text(2)}\n${text(3)}\n`);
  });

  it('keeps one source with --source, and refuses one it does not know', async () => {
    const router = await slipway(['logs', '-a', APP, '--source', 'router']);
    expect(router.code).toBe(0);
    expect(router.stdout).toBe('2026-11-24T22:00:05.000Z slipway[router]: GET / 200\n');
    const unknown = await slipway(['logs', '-a', APP, '--source', 'db']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/source app, router, platform, heroku, slipway/);
  });

  it('prints them as JSON lines with --json', async () => {
    const result = await slipway(['logs', '-a', APP, '-n', '1', '--json', '--source', 'app']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n').map((l) => JSON.parse(l))).toEqual([
      { at: '2026-11-24T22:00:03.000Z', source: 'app', process: 'web.1', message: 'line 3 a=b' },
    ]);
  });

  it('follows new lines with --tail until stopped', async () => {
    const stop = new AbortController();
    let published = false;
    const giveUp = setTimeout(() => stop.abort(), 20_000);
    const result = await slipway(['logs', '-a', APP, '-n', '1', '--tail', '--source', 'app'], {
      signal: stop.signal,
      onStdout: (all) => {
        if (all.includes(text(3)) && !published) {
          published = true;
          nats.publish(subjects.logs(appId), encode(line(4)));
        }
        if (all.includes(text(4))) stop.abort();
      },
    });
    clearTimeout(giveUp);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${text(3)}\n${text(4)}\n`);
  });

  it('reports bad line counts and unknown apps', async () => {
    const zero = await slipway(['logs', '-a', APP, '-n', '0']);
    expect(zero.code).toBe(1);
    expect(zero.stderr).toMatch(/Invalid number of lines 0/);
    const tooMany = await slipway(['logs', '-a', APP, '-n', '5000']);
    expect(tooMany.code).toBe(1);
    expect(tooMany.stderr).toMatch(/^Error: lines must be 1-1500/);
    const unknown = await slipway(['logs', '-a', 'no-such-app']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe("Error: Couldn't find that app: no-such-app.\n");
  });
});
