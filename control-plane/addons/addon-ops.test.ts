// Add-ons in operation, for real (API, Redis, NATS, an agent, Docker Engine, the add-ons' images
// built over the stack): their data through a crash of the server and a restart of the host's
// agent (the container and volume adopted by the new agent, the app's DATABASE_URL still good);
// another tenant's dyno finding no network path to them and their credentials refused; the
// compiled CLI's pg:psql -c and redis:cli through attached one-offs of the add-ons' images;
// draining a host that holds add-ons refused, and a down host's add-ons said unavailable.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addonVolumeName } from '../../agent/addon-spec.js';
import { ensureAddonImage } from '../../buildpacks/addons/images.js';
import { ensureStack } from '../../buildpacks/stack/ensure.js';
import { testBuilderConfig } from '../../buildpacks/testing/build-fixtures.js';
import { ensureCliBuilt } from '../../cli/testing/cli-harness.js';
import type { App } from '../../common/types.js';
import type { RunningService } from '../../supervisor/services.js';
import { apiClient, type TestControlPlane } from '../../test/support/control-plane.js';
import { startTestRegistry } from '../../test/support/services.js';
import { startTestPlatformWithPlans, type TestAgent, type TestPlatformWithPlans } from '../../test/support/test-agent.js';
import { waitFor } from '../../test/support/wait.js';
import type { Builder } from '../builds/builder.js';

const docker = new Docker();
const exec = promisify(execFile);

const PLANS_FILE = `
default: free
plans:
  - name: free
addons:
  postgresql:
    - name: mini
      memory_mb: 256
      cpus: 0.5
      max_connections: 15
      storage_mb: 64
      backup_retention: 1
      price_cents: 700
      default: true
    - name: standard
      memory_mb: 512
      cpus: 0.5
      max_connections: 40
      storage_mb: 128
    - name: tiny
      memory_mb: 128
      cpus: 0.25
      max_connections: 5
      storage_mb: 1
  redis:
    - name: mini
      memory_mb: 64
      cpus: 0.25
      max_connections: 30
      storage_mb: 32
      maxmemory_mb: 40
      default: true
`;

/** The URL as the test host reaches it: the host's private address (127.0.0.1 here) for the name. */
function fromHost(url: string, changes: { password?: string } = {}): string {
  const reached = new URL(url);
  reached.hostname = '127.0.0.1';
  if (changes.password !== undefined) reached.password = changes.password;
  return reached.href;
}

async function pgQuery(url: string, sql: string, params: unknown[] = []): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: fromHost(url), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

async function redisGet(url: string, key: string): Promise<string | null> {
  const client = new Redis(fromHost(url), { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  client.on('error', () => {});
  await client.connect();
  try {
    return await client.get(key);
  } finally {
    client.disconnect();
  }
}

async function serverContainer(addonId: string) {
  const [found] = await docker.listContainers({ all: true, filters: { label: [`io.slipway.addon=${addonId}`] } });
  if (!found) throw new Error(`no container for add-on ${addonId}`);
  return docker.getContainer(found.Id).inspect();
}

describe('add-ons in operation', () => {
  let registry: RunningService;
  let cp: TestControlPlane;
  let host: TestAgent;
  let platform: TestPlatformWithPlans;
  let aliceToken: string;
  let alice: ReturnType<typeof apiClient>;
  let bob: ReturnType<typeof apiClient>;
  let admin: ReturnType<typeof apiClient>;
  let cliHome: string;
  const addon = { pg: { id: '', name: '' }, redis: { id: '', name: '' } };
  let databaseUrl: string;
  let redisUrl: string;

  /** The compiled CLI as a user runs it (stdin not a terminal, as in a script). */
  const slipway = async (args: string[]) => {
    const cli = await ensureCliBuilt();
    return exec(process.execPath, [cli, ...args], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cliHome, SLIPWAY_API_URL: cp.url, SLIPWAY_API_TOKEN: aliceToken }, timeout: 120_000 }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (err: { code?: number; stdout?: string; stderr?: string }) => ({ code: err.code ?? -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' }),
    );
  };

  /** A dyno of `app` running `command` in the add-ons' image, to its end: its output and exit code. */
  const dyno = async (app: string, command: string) => {
    const record = (await cp.controlPlane.services.apps.getByName(app)) as App;
    const { detachedRuns } = cp.controlPlane.services;
    const lines: string[] = [];
    const { started } = await detachedRuns.launch(record, await detachedRuns.nextNumber(record, { ownImage: true }), { command, size: 'basic', ttlSeconds: 120, tty: null, image: addonImage }, { line: (line) => lines.push(line) });
    const outcome = await started.ended;
    return { exitCode: outcome.exitCode, output: lines.join('\n') };
  };
  let addonImage: { repository: string; digest: string };

  beforeAll(async () => {
    registry = await startTestRegistry();
    const builderConfig = testBuilderConfig(registry.url);
    const stack = ensureStack(docker, builderConfig, () => {});
    const builder: Builder = {
      ready: true,
      prepare: async () => {},
      build: async () => {
        throw new Error('no builds in this test');
      },
      tagImage: async () => {},
      addonImage: async (service) => {
        const image = await ensureAddonImage(docker, builderConfig, await stack, service, () => {});
        return { repository: image.repository, digest: image.digest };
      },
    };
    cliHome = await mkdtemp(join(tmpdir(), 'slipway-addon-ops-cli-'));
    // the provider's add-on plans (its plans file), in place of the built-in ones
    platform = await startTestPlatformWithPlans(docker, registry.url, PLANS_FILE, { overrides: { builder } });
    ({ cp, host } = platform);
    admin = apiClient(cp.url, cp.adminToken);
    aliceToken = (await admin('POST', '/users', { email: 'alice@example.com' })).body.token;
    alice = apiClient(cp.url, aliceToken);
    bob = apiClient(cp.url, (await admin('POST', '/users', { email: 'bob@example.com' })).body.token);
    expect((await alice('POST', '/apps', { name: 'shop' })).status).toBe(201);
    expect((await bob('POST', '/apps', { name: 'bobs-shop' })).status).toBe(201);
    for (const [key, plan] of [['pg', 'heroku-postgresql:mini'], ['redis', 'heroku-redis:mini']] as const) {
      const created = await alice('POST', '/apps/shop/addons', { plan });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      addon[key] = { id: created.body.id, name: created.body.name };
    }
    const vars = (await alice('GET', '/apps/shop/config-vars')).body;
    databaseUrl = vars.DATABASE_URL;
    redisUrl = vars.REDIS_URL;
    addonImage = (await cp.controlPlane.services.addons.store.get(addon.pg.id))!.image;
    await pgQuery(databaseUrl, 'CREATE TABLE orders (id serial PRIMARY KEY, item text)');
    await pgQuery(databaseUrl, 'INSERT INTO orders (item) VALUES ($1), ($2)', ['boat', 'oar']);
    const redis = new Redis(fromHost(redisUrl), { lazyConnect: true });
    await redis.connect();
    await redis.set('cart:1', 'boat');
    redis.disconnect();
    // Redis's append-only file is synced every second: what was written a second ago is on disk
    await new Promise((resolve) => setTimeout(resolve, 1500));
  }, 30 * 60_000);

  afterAll(async () => {
    await platform?.stop();
    await registry?.stop();
    if (cliHome) await rm(cliHome, { recursive: true, force: true });
  });

  it('runs the servers with the provider’s plans: max connections, Redis maxmemory, storage measured against the plan', async () => {
    expect((await alice('GET', '/addon-services/postgresql/plans')).body).toContainEqual(expect.objectContaining({ name: 'postgresql:mini', memory_mb: 256, max_connections: 15, storage_mb: 64, backup_retention: 1, price: { cents: 700, contract: false, unit: 'month' } }));
    expect((await alice('POST', '/apps/shop/addons', { plan: 'postgresql:premium-9' })).body.message).toContain('its plans are mini, standard, tiny');
    expect(await pgQuery(databaseUrl, 'SHOW max_connections')).toEqual([{ max_connections: '15' }]);
    const redis = new Redis(fromHost(redisUrl), { lazyConnect: true });
    await redis.connect();
    expect(await redis.config('GET', 'maxclients')).toEqual(['maxclients', '30']);
    expect(await redis.config('GET', 'maxmemory')).toEqual(['maxmemory', String(40 * 1024 * 1024)]);
    redis.disconnect();
    const server = await serverContainer(addon.pg.id);
    expect(server.HostConfig.Memory).toBe(256 * 1024 * 1024);
    expect(server.HostConfig.NanoCpus).toBe(500_000_000);
    const info = (await alice('GET', `/addons/${addon.pg.name}/info`)).body;
    expect(info).toMatchObject({ storage_limit_mb: 64, max_connections: 15 });
    // PostgreSQL's files on the volume: tens of MB, more than the database's own size
    expect(info.storage_used_bytes).toBeGreaterThan(info.data_size_bytes);
    const listed = (await alice('GET', '/apps/shop/addons')).body as { name: string; billed_price: { cents: number } }[];
    expect(listed.find((a) => a.name === addon.pg.name)?.billed_price.cents).toBe(700);
  });

  it('keeps the data when the servers crash (kill -9): Docker starts them again on the same port', async () => {
    for (const { id } of [addon.pg, addon.redis]) {
      const before = await serverContainer(id);
      expect(before.State.Running).toBe(true);
      process.kill(before.State.Pid, 'SIGKILL');
      await waitFor(`add-on ${id} restarted after the crash`, async () => {
        const now = await serverContainer(id);
        return now.State.Running && now.State.Pid !== before.State.Pid && now.RestartCount > before.RestartCount;
      }, 60_000);
    }
    await waitFor('PostgreSQL answering', async () => (await pgQuery(databaseUrl, 'SELECT 1').then(() => true, () => false)), 60_000);
    expect(await pgQuery(databaseUrl, 'SELECT item FROM orders ORDER BY id')).toEqual([{ item: 'boat' }, { item: 'oar' }]);
    await waitFor('Redis answering', async () => (await redisGet(redisUrl, 'cart:1').then(() => true, () => false)), 60_000);
    expect(await redisGet(redisUrl, 'cart:1')).toBe('boat');
  }, 300_000);

  it('a new agent on the host adopts the add-ons: same containers and volumes, data readable, the app’s DATABASE_URL good from its dynos', async () => {
    const before = await serverContainer(addon.pg.id);
    // a plain restart (an upgrade, a crash): the servers keep running meanwhile
    await host.restart();
    let now = await serverContainer(addon.pg.id);
    expect(now.Id).toBe(before.Id);
    expect(now.State.StartedAt).toBe(before.State.StartedAt);
    expect(now.Mounts.map((m) => m.Name)).toEqual([addonVolumeName(host.hostId, addon.pg.id)]);
    expect(await pgQuery(databaseUrl, 'SELECT item FROM orders ORDER BY id')).toEqual([{ item: 'boat' }, { item: 'oar' }]);
    // the new agent answers for them
    expect((await alice('GET', `/addons/${addon.pg.name}/info`)).body).toMatchObject({ tables: 1 });

    // an agent that stopped its servers on the way out: the next one starts them, data and port kept
    await host.restart({ SLIPWAY_AGENT_STOP_INSTANCES_ON_EXIT: 'true' });
    await host.restart();
    now = await serverContainer(addon.pg.id);
    expect(now.Id).toBe(before.Id);
    expect(now.State.StartedAt).not.toBe(before.State.StartedAt);
    expect(now.HostConfig.PortBindings).toEqual(before.HostConfig.PortBindings);
    await waitFor('PostgreSQL answering', async () => (await pgQuery(databaseUrl, 'SELECT 1').then(() => true, () => false)), 60_000);
    expect(await pgQuery(databaseUrl, 'SELECT item FROM orders ORDER BY id')).toEqual([{ item: 'boat' }, { item: 'oar' }]);
    await waitFor('Redis answering', async () => (await redisGet(redisUrl, 'cart:1').then(() => true, () => false)), 60_000);
    expect(await redisGet(redisUrl, 'cart:1')).toBe('boat');
    // and the app's own URL, by the add-on's name, from one of its dynos
    const psql = await slipway(['pg:psql', '-a', 'shop', '-c', 'SELECT item FROM orders ORDER BY id']);
    expect(psql.code, psql.stderr).toBe(0);
    expect(psql.stdout).toMatch(/boat\s*\r?\n\s*oar/);
  }, 600_000);

  it('pg:psql -c and redis:cli run once through the platform, print, and exit with the client’s code', async () => {
    const created = await slipway(['pg:psql', 'DATABASE', '-a', 'shop', '-c', "INSERT INTO orders (item) VALUES ('sail') RETURNING item, current_user"]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain('sail');
    // as the add-on's own user, not a superuser
    expect(created.stdout).toContain(new URL(databaseUrl).username);
    expect(created.stderr).toMatch(/Running psql DATABASE_URL on shop\.\.\. up, run\.\d+/);
    expect(await pgQuery(databaseUrl, 'SELECT count(*)::int AS n FROM orders')).toEqual([{ n: 3 }]);
    const failed = await slipway(['pg:psql', '-a', 'shop', '-c', 'SELECT * FROM no_such_table']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('relation "no_such_table" does not exist');

    const set = await slipway(['redis:cli', '-a', 'shop', '--', 'SET', 'greeting', 'hello world']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain('OK');
    expect(await redisGet(redisUrl, 'greeting')).toBe('hello world');
    const got = await slipway(['redis:cli', 'REDIS', '-a', 'shop', 'GET', 'cart:1']);
    expect(got.stdout).toContain('boat');
    // nobody else's app runs them
    const stranger = await exec(process.execPath, [await ensureCliBuilt(), 'pg:psql', '-a', 'shop', '-c', 'SELECT 1'], { env: { PATH: process.env.PATH ?? '', HOME: cliHome, SLIPWAY_API_URL: cp.url, SLIPWAY_API_TOKEN: 'slw_not-a-token' } }).then(() => 0, (err: { code?: number }) => err.code);
    expect(stranger).not.toBe(0);
    expect((await bob('POST', '/apps/shop/addon-clients', { service: 'postgresql', sql: 'SELECT 1' })).status).toBe(403);
    expect((await alice('POST', '/apps/shop/addon-clients', { service: 'postgresql', addon: 'HEROKU_POSTGRESQL_RED' })).status).toBe(404);
  }, 600_000);

  it('another tenant’s dyno has no network path to the server, and other credentials are refused', async () => {
    const port = new URL(databaseUrl).port;
    const server = await serverContainer(addon.pg.id);
    const addresses = new Set<string>();
    for (const network of Object.values(server.NetworkSettings.Networks)) {
      if (network.IPAddress) addresses.add(network.IPAddress);
      if (network.Gateway) addresses.add(network.Gateway);
    }
    expect(addresses.size).toBeGreaterThanOrEqual(2);
    // bob's app gets a release (config) of its own, as any app has before it runs anything
    expect((await bob('PATCH', '/apps/bobs-shop/config-vars', { GREETING: 'hi' })).status).toBe(200);
    const probe = (target: string) => `if timeout 5 bash -c '</dev/tcp/${target}/${port}' 2>/dev/null; then echo "open ${target}"; else echo "closed ${target}"; fi`;
    const targets = [...addresses, new URL(databaseUrl).hostname];
    const bobs = await dyno('bobs-shop', targets.map(probe).join('\n'));
    expect(bobs.exitCode).toBe(0);
    for (const target of targets) expect(bobs.output, target).toContain(`closed ${target}`);
    // while the app it is attached to gets through, by its name (the probe can tell open from closed)
    const alices = await dyno('shop', probe(new URL(databaseUrl).hostname));
    expect(alices.output).toContain(`open ${new URL(databaseUrl).hostname}`);

    // where the port is open (the hosts' private address), only the add-on's credentials pass
    await expect(pgQuery(fromHost(databaseUrl, { password: 'not-the-password' }), 'SELECT 1')).rejects.toThrow(/password authentication failed/);
    expect((await bob('POST', '/apps/bobs-shop/addons', { plan: 'postgresql:mini' })).status).toBe(201);
    const bobsUrl = (await bob('GET', '/apps/bobs-shop/config-vars')).body.DATABASE_URL as string;
    const withBobs = new URL(fromHost(databaseUrl));
    withBobs.username = new URL(bobsUrl).username;
    withBobs.password = new URL(bobsUrl).password;
    await expect(pgQuery(withBobs.href, 'SELECT 1')).rejects.toThrow(/password authentication failed/);
    const redis = new URL(fromHost(redisUrl));
    const guesser = new Redis({ host: redis.hostname, port: Number(redis.port), lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    guesser.on('error', () => {});
    await guesser.connect();
    await expect(guesser.auth('not-the-password')).rejects.toThrow(/WRONGPASS/);
    await expect(guesser.get('cart:1')).rejects.toThrow(/NOAUTH/);
    guesser.disconnect();
  }, 600_000);

  it('addons:upgrade makes the server again with the new plan on the same volume, host and port; a plan the data does not fit is refused (422)', async () => {
    const before = await serverContainer(addon.pg.id);
    const configBefore = (await alice('GET', '/apps/shop/config-vars')).body.DATABASE_URL;
    const releasesBefore = (await alice('GET', '/apps/shop/releases')).body.length;
    const upgraded = await slipway(['addons:upgrade', addon.pg.name, 'standard', '-a', 'shop']);
    expect(upgraded.code, upgraded.stderr).toBe(0);
    expect(upgraded.stdout).toContain(`${addon.pg.name} is now on postgresql:standard`);
    const after = await serverContainer(addon.pg.id);
    expect(after.Id).not.toBe(before.Id);
    expect(after.HostConfig.Memory).toBe(512 * 1024 * 1024);
    expect(after.HostConfig.PortBindings).toEqual(before.HostConfig.PortBindings);
    expect(after.Mounts.map((m) => m.Name)).toEqual(before.Mounts.map((m) => m.Name));
    expect(await pgQuery(databaseUrl, 'SHOW max_connections')).toEqual([{ max_connections: '40' }]);
    expect(await pgQuery(databaseUrl, 'SELECT item FROM orders ORDER BY id')).toEqual([{ item: 'boat' }, { item: 'oar' }, { item: 'sail' }]);
    // the URL, so the config and the releases, unchanged; the record still on its host
    expect((await alice('GET', '/apps/shop/config-vars')).body.DATABASE_URL).toBe(configBefore);
    expect((await alice('GET', '/apps/shop/releases')).body.length).toBe(releasesBefore);
    expect((await cp.controlPlane.services.addons.store.get(addon.pg.id))).toMatchObject({ plan: 'postgresql:standard', hostId: host.hostId });
    expect((await alice('GET', `/addons/${addon.pg.name}`)).body.plan.name).toBe('postgresql:standard');

    const refused = await alice('PATCH', `/apps/shop/addons/${addon.pg.name}`, { plan: 'heroku-postgresql:tiny' });
    expect(refused.status).toBe(422);
    expect(refused.body.message).toMatch(/holds [\d.]+ MB of data; postgresql:tiny holds 1 MB/);
    const downgrade = await slipway(['addons:downgrade', addon.pg.name, 'tiny', '-a', 'shop']);
    expect(downgrade.code).not.toBe(0);
    expect((await serverContainer(addon.pg.id)).Id).toBe(after.Id);
    expect((await alice('PATCH', `/apps/shop/addons/${addon.pg.name}`, { plan: 'redis:mini' })).status).toBe(422);
    expect((await bob('PATCH', `/apps/shop/addons/${addon.pg.name}`, { plan: 'postgresql:mini' })).status).toBe(403);
  }, 300_000);

  it('refuses to drain the host holding the add-ons (409 naming them); a down host’s add-ons are unavailable, not moved', async () => {
    const refused = await admin('DELETE', `/hosts/${host.hostId}`);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ id: 'host_holds_addons' });
    for (const name of [addon.pg.name, addon.redis.name]) expect(refused.body.message).toContain(name);
    expect((await admin('GET', `/hosts/${host.hostId}`)).body.state).toBe('up');
    expect((await admin('DELETE', `/hosts/${host.hostId}?force=maybe`)).status).toBe(422);

    // the host lost (its record says down, as the leader marks a silent host)
    const hosts = cp.controlPlane.services.hosts;
    const record = (await hosts.get(host.hostId))!;
    await host.agent.stop();
    await host.connection.close();
    await hosts.save({ ...record, state: 'down' });
    const listed = (await alice('GET', '/apps/shop/addons')).body as { name: string; state: string; availability: string; unavailable_reason: string | null }[];
    expect(listed.find((a) => a.name === addon.pg.name)).toMatchObject({ state: 'provisioned', availability: 'unavailable', unavailable_reason: expect.stringContaining(`${host.hostId} is down`) });
    const info = await alice('GET', `/addons/${addon.pg.name}/info`);
    expect(info.status).toBe(503);
    expect(info.body.message).toContain('unavailable');
    expect((await alice('POST', '/apps/shop/addon-clients', { service: 'postgresql', sql: 'SELECT 1' })).status).toBe(503);
    expect((await alice('PATCH', `/apps/shop/addons/${addon.pg.name}`, { plan: 'postgresql:mini' })).status).toBe(503);
    // still pinned to its host with its data, not re-created elsewhere
    const stored = (await cp.controlPlane.services.addons.store.get(addon.pg.id))!;
    expect(stored.hostId).toBe(host.hostId);
    expect((await docker.listContainers({ all: true, filters: { label: [`io.slipway.addon=${addon.pg.id}`] } })).length).toBe(1);
  }, 300_000);
});
