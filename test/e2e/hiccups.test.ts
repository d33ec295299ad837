// Short outages of the platform's own parts, as an operator sees them: with two apps at web=3
// served through the router, NATS is paused, NATS and Redis are killed (the launcher restarts
// them), then the control plane is killed; traffic must not fail and no app container may be
// replaced.
import { execFile } from 'node:child_process';
import { readFile, readdir, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTANCE_LABELS } from '../../common/labels.js';
import { api, descendants, fixtureRepo, git, gitUrl, newHome, platformEnv, pollContinuously, startPlatform, waitFor, type RunningPlatform } from './harness.js';

const exec = promisify(execFile);
const APPS = ['hiccup-a', 'hiccup-b'];
const WEB = 3;

/** Pids of the processes below `pid` whose command line contains `needle`. */
async function descendantsRunning(pid: number, needle: string): Promise<number[]> {
  return (await descendants(pid)).filter((child) => child.cmdline.includes(needle)).map((child) => child.pid);
}

/** Pids of the agent processes running as host `hostId`, wherever they are in the process tree. */
async function agentProcesses(hostId: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const environ = await readFile(`/proc/${entry}/environ`, 'utf8').catch(() => '');
    if (environ.split('\0').includes(`SLIPWAY_HOST_ID=${hostId}`)) pids.push(Number(entry));
  }
  return pids;
}

/** Each app container of this platform: id → start time (a replaced or restarted one differs). */
async function appContainers(home: string): Promise<Map<string, string>> {
  const hostIds = await readdir(`${home}/hosts`).catch(() => [] as string[]);
  const result = new Map<string, string>();
  for (const hostId of hostIds) {
    const { stdout } = await exec('docker', ['ps', '-q', '--filter', `label=${INSTANCE_LABELS.host}=${hostId}`]);
    const ids = stdout.split('\n').filter(Boolean);
    if (ids.length === 0) continue;
    const inspected = await exec('docker', ['inspect', '--format', '{{.Id}} {{.State.StartedAt}} {{.RestartCount}}', ...ids]);
    for (const line of inspected.stdout.split('\n').filter(Boolean)) {
      const [id, startedAt, restarts] = line.split(' ');
      result.set(id!, `${startedAt} restarts=${restarts}`);
    }
  }
  return result;
}

describe('hiccups of the platform’s own parts', () => {
  let platform: RunningPlatform;
  let call: ReturnType<typeof api>;
  const cleanup: string[] = [];

  const upWeb = async (app: string) =>
    ((await call('GET', `/apps/${app}/dynos`)).body as { type: string; state: string }[]).filter((d) => d.type === 'web' && d.state === 'up').length;

  /** Polls every app through the router while `hiccup` runs, then until `settleMs` after it. */
  async function underTraffic(hiccup: () => Promise<void>, settleMs: number) {
    const before = await appContainers(platform.home);
    const polls = APPS.map((app) => pollContinuously(platform.endpoints, app, 300_000));
    await sleep(1000);
    await hiccup();
    await sleep(settleMs);
    const results = await Promise.all(polls.map((p) => p.stop()));
    const after = await appContainers(platform.home);
    const replaced = [...before].filter(([id, started]) => after.get(id) !== started).length + Math.max(0, after.size - before.size);
    return {
      requests: results.reduce((n, r) => n + r.requests, 0),
      failures: results.flatMap((r) => r.failures),
      containers: before.size,
      replaced,
    };
  }

  beforeAll(async () => {
    const home = await newHome();
    cleanup.push(home);
    platform = await startPlatform(
      await platformEnv(home, { SLIPWAY_RECONCILE_INTERVAL_MS: '1000', SLIPWAY_STOP_GRACE_SECONDS: '5' }),
    );
    call = api(platform.endpoints);
    const repo = await fixtureRepo('e2e-hello');
    cleanup.push(repo);
    for (const app of APPS) {
      expect((await call('POST', '/apps', { name: app })).status).toBe(201);
      const pushed = await git(repo, ['push', gitUrl(platform.endpoints, app), 'HEAD:main']);
      expect(pushed.code, pushed.out).toBe(0);
      expect((await call('PATCH', `/apps/${app}/formation`, { updates: [{ type: 'web', quantity: WEB }] })).status).toBe(200);
    }
    for (const app of APPS) await waitFor(`${app} at web=${WEB}`, async () => (await upWeb(app)) === WEB, 120_000);
    expect((await appContainers(platform.home)).size).toBe(APPS.length * WEB);
  });

  afterAll(async () => {
    await platform?.stop().catch(() => {});
    for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
  });

  /** Runs `hiccup` under traffic and checks it cost no request and no container. */
  async function expectUnharmed(what: string, hiccup: () => Promise<void>): Promise<void> {
    const outcome = await underTraffic(hiccup, 15_000);
    console.log(`${what}: ${outcome.requests} requests, ${outcome.failures.length} failed, ${outcome.replaced} of ${outcome.containers} containers replaced`);
    expect(outcome.failures.slice(0, 5)).toEqual([]);
    expect(outcome.replaced).toBe(0);
  }

  /** The one process below the launcher whose command line contains `needle`. */
  async function platformProcess(needle: string): Promise<number> {
    const [pid] = await descendantsRunning(platform.pid, needle);
    expect(pid, `a ${needle} process below the launcher`).toBeDefined();
    return pid!;
  }

  /** Kills the process with SIGKILL and waits for the launcher to start another. */
  async function killAndAwaitRestart(needle: string): Promise<void> {
    const pid = await platformProcess(needle);
    process.kill(pid, 'SIGKILL');
    await waitFor(`${needle} restarted`, async () => (await descendantsRunning(platform.pid, needle)).some((other) => other !== pid), 60_000);
  }

  const apiAnswers = async () => (await call('GET', '/apps').catch(() => ({ status: 0 }))).status === 200;

  it('NATS paused for 10 s: no failed request, no container replaced', async () => {
    const nats = await platformProcess('nats-server');
    await expectUnharmed('NATS paused 10 s', async () => {
      process.kill(nats, 'SIGSTOP');
      try {
        await sleep(10_000);
      } finally {
        process.kill(nats, 'SIGCONT');
      }
    });
  });

  it('NATS killed and restarted by the launcher: no failed request, no container replaced', async () => {
    await expectUnharmed('NATS restarted', () => killAndAwaitRestart('nats-server'));
  });

  it('Redis killed and restarted by the launcher: no failed request, no container replaced', async () => {
    await expectUnharmed('Redis restarted', async () => {
      await killAndAwaitRestart('redis-server');
      await waitFor('the API answering again', apiAnswers, 60_000);
    });
  });

  it('control plane killed with SIGKILL: no failed request, no container replaced', async () => {
    const controlPlane = await platformProcess('control-plane/main.js');
    await expectUnharmed('control plane killed', async () => {
      process.kill(controlPlane, 'SIGKILL');
      await waitFor('control plane back', apiAnswers, 60_000);
    });
    // the killed control plane's agent went with it: one agent per host, not two
    for (const hostId of await readdir(`${platform.home}/hosts`)) expect(await agentProcesses(hostId)).toHaveLength(1);
  });
});
