// The single-node platform as an operator runs it (`npm start` in a terminal): its own
// services and agent are restarted when they die, Redis and the registry want the password
// kept in the state dir, and Ctrl-C (SIGINT to the whole foreground process group) stops
// everything in one orderly sequence, app containers included; what a launcher killed
// outright leaves, the next start stops.
import { execFile } from 'node:child_process';
import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuthorization, readRegistryCredentials } from '../../common/registry-auth.js';
import { fetchBearerToken, parseBearerChallenge } from '../../common/registry-token.js';
import { RegistryClient } from '../../buildpacks/oci/registry.js';
import { rawRedisReplies } from '../support/raw-redis.js';
import {
  api,
  commitAll,
  descendants,
  dockerContainersLabeled,
  editFile,
  fixtureRepo,
  git,
  gitUrl,
  newHome,
  platformEnv,
  processAlive,
  startPlatform,
  viaRouter,
  waitFor,
  type RunningPlatform,
} from './harness.js';

const exec = promisify(execFile);

/** State, labels and times of containers, one line each. */
async function describeContainers(ids: string[]): Promise<string> {
  const format = '{{.Id}} {{.State.Status}} created={{.Created}} started={{.State.StartedAt}} finished={{.State.FinishedAt}} {{json .Config.Labels}}';
  const { stdout } = await exec('docker', ['inspect', '--format', format, ...ids]).catch((err: Error) => ({ stdout: String(err) }));
  return stdout.trim();
}

describe('a supervised, locked single-node platform', () => {
  let env: Record<string, string>;
  let platform: RunningPlatform;
  let call: ReturnType<typeof api>;
  let repo: string;
  let hostId: string;
  const cleanup: string[] = [];

  const serving = async (version: string) => {
    const res = await viaRouter(platform.endpoints, 'steady').catch(() => null);
    return res?.status === 200 && res.body.startsWith(`hello ${version}`);
  };

  /** The host is up and heartbeated after `since` (an agent does once it serves commands). */
  const heartbeatAfter = async (since: number) => {
    const hosts = (await call('GET', '/hosts')).body as { id: string; state: string; last_heartbeat: string | null }[];
    const host = hosts.find((h) => h.id === hostId);
    return host?.state === 'up' && host.last_heartbeat !== null && Date.parse(host.last_heartbeat) > since;
  };

  beforeAll(async () => {
    const home = await newHome();
    cleanup.push(home);
    env = await platformEnv(home, { SLIPWAY_RECONCILE_INTERVAL_MS: '1000', SLIPWAY_STOP_GRACE_SECONDS: '5' });
    platform = await startPlatform(env, undefined, { ownProcessGroup: true });
    call = api(platform.endpoints);
    repo = await fixtureRepo('e2e-hello');
    cleanup.push(repo);
    expect((await call('POST', '/apps', { name: 'steady' })).status).toBe(201);
    const pushed = await git(repo, ['push', gitUrl(platform.endpoints, 'steady'), 'HEAD:main']);
    expect(pushed.code, pushed.out).toBe(0);
    await waitFor('steady served', () => serving('v1'), 60_000);
    hostId = ((await call('GET', '/hosts')).body as { id: string }[])[0]!.id;
  });

  afterAll(async () => {
    await platform?.stop().catch(() => {});
    if (hostId) {
      const left = await dockerContainersLabeled(`io.slipway.host=${hostId}`);
      if (left.length > 0) await exec('docker', ['rm', '-f', ...left]).catch(() => {});
    }
    const registry = `127.0.0.1:${env?.SLIPWAY_REGISTRY_PORT}`;
    const { stdout } = await exec('docker', ['images', '--format', '{{.Repository}}@{{.ID}}']).catch(() => ({ stdout: '' }));
    const ours = stdout.split('\n').filter((line) => line.startsWith(`${registry}/`)).map((line) => line.split('@')[1]!);
    if (ours.length > 0) await exec('docker', ['rmi', '-f', ...new Set(ours)]).catch(() => {});
    for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
  });

  it('refuses Redis commands and registry pulls without the password, kept in files only their owner reads', async () => {
    // as any local user could: make themselves an operator, or read the users
    const [set, keys] = await rawRedisReplies(Number(env.SLIPWAY_REDIS_PORT), ['SET anything x', 'KEYS *']);
    expect(set).toMatch(/^-NOAUTH/);
    expect(keys).toMatch(/^-NOAUTH/);

    const registry = `127.0.0.1:${env.SLIPWAY_REGISTRY_PORT}`;
    const secrets = join(platform.home, 'secrets');
    const credentials = await readRegistryCredentials(join(secrets, 'registry', 'credentials.json'));
    // the platform's client answers the registry's token challenge with the kept credentials
    const client = new RegistryClient(registry, { credentials: async () => credentials });
    const repository = (await client.listRepositories()).find((r) => r.endsWith('/steady'))!;
    const tags = await client.listTags(repository);
    const manifest = `http://${registry}/v2/${repository}/manifests/${tags[0]}`;
    const accept = 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json';
    // what `docker pull` asks first: anonymous, or Basic straight to the registry, refused with a challenge
    const anonymous = await fetch(manifest, { headers: { accept } });
    expect(anonymous.status).toBe(401);
    const challenge = parseBearerChallenge(anonymous.headers.get('www-authenticate') ?? undefined);
    expect(challenge?.scopes).toEqual([`repository:${repository}:pull`]);
    expect((await fetch(manifest, { headers: { accept, authorization: basicAuthorization(credentials) } })).status).toBe(401);
    expect((await fetch(`http://${registry}/v2/_catalog`)).status).toBe(401);
    // an anonymous token grants nothing; the kept credentials' token gets in
    await expect(fetchBearerToken(challenge!, null)).rejects.toThrow(/refused an anonymous request/);
    const token = await fetchBearerToken(challenge!, credentials);
    expect((await fetch(manifest, { headers: { accept, authorization: `Bearer ${token}` } })).status).toBe(200);

    const redisPassword = (await readFile(join(secrets, 'redis-password'), 'utf8')).trim();
    for (const file of ['redis-password', 'registry/password', 'registry/token-key.pem', 'registry/credentials.json', '../redis/auth.conf']) {
      expect((await stat(join(secrets, file))).mode & 0o777, file).toBe(0o600);
    }
    // no secret in any process's argv, which every local user can read
    for (const { cmdline } of await descendants(platform.pid)) {
      expect(cmdline).not.toContain(redisPassword);
      expect(cmdline).not.toContain(credentials.secret);
    }
  });

  for (const [name, pattern] of [
    ['Redis', /^redis-server /],
    ['NATS', /^nats-server /],
    ['the registry', /^docker-registry /],
    ['the agent', /agent\/main\.js$/],
  ] as const) {
    it(`restarts ${name} after kill -9; the API answers and the app serves`, async () => {
      const find = async () => (await descendants(platform.pid)).filter((p) => pattern.test(p.cmdline));
      const [victim] = await find();
      expect(victim, `a process matching ${pattern}`).toBeDefined();
      const killedAt = performance.now();
      process.kill(victim!.pid, 'SIGKILL');
      await waitFor(`${name} started again`, async () => {
        const now = await find();
        return now.length === 1 && now[0]!.pid !== victim!.pid;
      }, 30_000);
      const restarted = performance.now();
      await waitFor('the API to answer', async () => (await call('GET', '/apps').catch(() => ({ status: 0 }))).status === 200, 60_000);
      await waitFor('steady served', () => serving('v1'), 60_000);
      // the host heartbeats again (an agent does once it serves commands)
      const since = Date.now();
      await waitFor('a heartbeat from the host', () => heartbeatAfter(since), 60_000);
      console.log(
        `${name}: restarted ${((restarted - killedAt) / 1000).toFixed(1)} s after kill -9; API and app answering ${((performance.now() - killedAt) / 1000).toFixed(1)} s after`,
      );
    });
  }

  it('deploys again after each was killed (through the authenticated registry)', async () => {
    await editFile(repo, 'server.js', (text) => text.replace("const VERSION = 'v1'", "const VERSION = 'v2'"));
    await commitAll(repo, 'v2');
    const pushed = await git(repo, ['push', gitUrl(platform.endpoints, 'steady'), 'HEAD:main']);
    expect(pushed.code, pushed.out).toBe(0);
    await waitFor('v2 served', () => serving('v2'), 60_000);
  });

  it('after a SIGKILL of the launcher\'s whole group, the next start stops what it left and serves again', async () => {
    // Its children run in groups of their own, so they outlive it: the next start must not find the ports taken.
    const left = await descendants(platform.pid);
    process.kill(-platform.pid, 'SIGKILL');
    await platform.exited;
    const survivors = [];
    for (const p of left) if (await processAlive(p.pid)) survivors.push(p.cmdline.split(' ')[0]);
    console.log(`left running by the killed launcher: ${survivors.join(', ')}`);
    expect(survivors.length).toBeGreaterThan(0);
    platform = await startPlatform(env, undefined, { ownProcessGroup: true });
    // By now what the killed launcher left has stopped: a heartbeat after this is the new agent's.
    const restartedAt = Date.now();
    call = api(platform.endpoints);
    console.log(platform.output().match(/stopped what an earlier start left running: .*/)?.[0]);
    const alive = [];
    for (const p of left) if (await processAlive(p.pid)) alive.push(p.cmdline);
    expect(alive).toEqual([]);
    // The router may serve from a container the killed generation left before the new agent
    // has joined and adopted it, and an agent that never joined touches nothing, even on exit:
    // the launcher says ready once its agent serves.
    const output = platform.output();
    const agentsServe = output.search(/^the local agents serve$/m);
    expect(agentsServe, output.slice(-5000)).toBeGreaterThanOrEqual(0);
    expect(agentsServe, output.slice(-5000)).toBeLessThan(output.search(/slipway: ready/));
    await waitFor('v2 served again', () => serving('v2'), 120_000);
    await waitFor('a heartbeat from the new agent', () => heartbeatAfter(restartedAt), 60_000);
    const now = await descendants(platform.pid);
    for (const pattern of [/^redis-server /, /^nats-server /, /^docker-registry /, /agent\/main\.js$/]) {
      expect(now.filter((p) => pattern.test(p.cmdline)), String(pattern)).toHaveLength(1);
    }
  });

  it('stops everything on Ctrl-C (SIGINT to the whole process group), app containers included', async () => {
    const running = await dockerContainersLabeled(`io.slipway.host=${hostId}`);
    expect(running.length).toBeGreaterThan(0);
    const processes = await descendants(platform.pid);
    expect(processes.length).toBeGreaterThan(5);

    const signalledAt = performance.now();
    process.kill(-platform.pid, 'SIGINT');
    const code = await Promise.race([platform.exited, new Promise((resolve) => setTimeout(() => resolve('timeout'), 180_000))]);
    console.log(`launcher exited (${code}) ${((performance.now() - signalledAt) / 1000).toFixed(1)} s after SIGINT to its group`);
    expect(code).toBe(0);
    expect(platform.output()).not.toMatch(/second signal/);
    const left = await dockerContainersLabeled(`io.slipway.host=${hostId}`);
    // What was left, and what the launcher printed, say why.
    expect(left, left.length > 0 ? `${await describeContainers(left)}\n${platform.output().slice(-30_000)}` : undefined).toEqual([]);
    const alive = [];
    for (const p of processes) if (await processAlive(p.pid)) alive.push(p.cmdline);
    expect(alive).toEqual([]);
  });
});
