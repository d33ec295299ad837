// Add-ons through the real API, Redis, NATS, an agent and Docker Engine: PostgreSQL and Redis
// from images built over the stack, their URLs set on apps as releases (naming the add-on, which
// the apps' containers reach: test/e2e/addons.test.ts), used here with pg and ioredis from the test
// host at the host's private address (127.0.0.1), shared with another app, destroyed; and a
// second tenant who can neither see the add-on nor use its credentials on their own server.
import Docker from 'dockerode';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from '../../agent/agent.js';
import { addonVolumeName } from '../../agent/addon-spec.js';
import { ensureAddonImage } from '../../buildpacks/addons/images.js';
import { ensureStack } from '../../buildpacks/stack/ensure.js';
import { testBuilderConfig } from '../../buildpacks/testing/build-fixtures.js';
import type { RunningService } from '../../supervisor/services.js';
import { apiClient, startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';
import { startTestRegistry } from '../../test/support/services.js';
import { startTestAgent, type TestAgent } from '../../test/support/test-agent.js';
import { inProcessCli } from '../../cli/testing/cli-harness.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Builder } from '../builds/builder.js';

const docker = new Docker();

/** An add-on's URL as the test host reaches it: at the host's private address (127.0.0.1 here),
 *  where its port is published, instead of by its name, which only the attached apps resolve. */
function fromHost(url: string): string {
  const reached = new URL(url);
  reached.hostname = '127.0.0.1';
  return reached.href;
}

async function pgQuery(url: string, sql: string, params: unknown[] = []): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: fromHost(url) });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

describe('add-ons through the API', () => {
  let registry: RunningService;
  let cp: TestControlPlane;
  let agent: Agent;
  let host: TestAgent;
  let hostId: string;
  let alice: ReturnType<typeof apiClient>;
  let aliceToken: string;
  let bob: ReturnType<typeof apiClient>;

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
    cp = await startTestControlPlane({ SLIPWAY_REGISTRY: registry.url, SLIPWAY_STOP_GRACE_SECONDS: '1', SLIPWAY_DRAIN_MS: '0' }, { builder });
    host = await startTestAgent(docker, cp, registry.url);
    ({ hostId, agent } = host);

    const admin = apiClient(cp.url, cp.adminToken);
    aliceToken = (await admin('POST', '/users', { email: 'alice@example.com' })).body.token;
    alice = apiClient(cp.url, aliceToken);
    bob = apiClient(cp.url, (await admin('POST', '/users', { email: 'bob@example.com' })).body.token);
    for (const name of ['shop', 'shop-admin']) expect((await alice('POST', '/apps', { name })).status).toBe(201);
    expect((await bob('POST', '/apps', { name: 'bobs-shop' })).status).toBe(201);
  }, 30 * 60_000);

  afterAll(async () => {
    await host?.stop();
    await cp?.stop();
    await registry?.stop();
  });

  it('lists the add-on services and their plans', async () => {
    const services = await alice('GET', '/addon-services');
    expect(services.body.map((s: { name: string }) => s.name)).toEqual(['postgresql', 'redis']);
    const plans = await alice('GET', '/addon-services/postgresql/plans');
    expect(plans.body).toContainEqual(expect.objectContaining({ name: 'postgresql:mini', default: true, memory_mb: 256, price: { cents: 500, contract: false, unit: 'month' } }));
    expect((await alice('GET', `/addon-services/${services.body[1].id}`)).body.name).toBe('redis');
    expect((await alice('GET', '/addon-services/mysql')).status).toBe(404);
  });

  it('refuses unknown services and plans with a 422 naming what is offered', async () => {
    expect(await alice('POST', '/apps/shop/addons', { plan: 'mysql:mini' })).toMatchObject({ status: 422, body: { id: 'invalid_params', message: expect.stringContaining('postgresql, redis') } });
    expect(await alice('POST', '/apps/shop/addons', { plan: 'postgresql:gigantic' })).toMatchObject({ status: 422, body: { message: expect.stringContaining('mini, standard') } });
    expect((await alice('POST', '/apps/shop/addons', {})).status).toBe(422);
    expect((await bob('POST', '/apps/shop/addons', { plan: 'postgresql:mini' })).status).toBe(403);
  });

  it('provisions PostgreSQL: DATABASE_URL in a new release, data kept across a restart of its server, shared with another app, destroyed with its volume', async () => {
    const created = await alice('POST', '/apps/shop/addons', { plan: 'heroku-postgresql:mini' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: expect.stringMatching(/^postgresql-[a-z]+-\d{5}$/),
      addon_service: { name: 'postgresql' },
      plan: { name: 'postgresql:mini' },
      app: { name: 'shop' },
      config_vars: ['DATABASE_URL'],
      state: 'provisioned',
    });
    const name = created.body.name as string;
    const releases = (await alice('GET', '/apps/shop/releases')).body;
    expect(releases.at(-1).description).toContain('Attach DATABASE');
    const url = (await alice('GET', '/apps/shop/config-vars')).body.DATABASE_URL as string;
    expect(url).toMatch(new RegExp(`^postgres://u[a-z0-9]+:[^@]+@${name}:\\d+/d[a-z0-9]+$`));

    await pgQuery(url, 'CREATE TABLE orders (id serial primary key, item text)');
    await pgQuery(url, 'INSERT INTO orders (item) VALUES ($1), ($2)', ['boat', 'oar']);
    const addonId = created.body.id as string;
    expect((await agent.addons.restart(addonId)).ok).toBe(true);
    expect(await pgQuery(url, 'SELECT item FROM orders ORDER BY id')).toEqual([{ item: 'boat' }, { item: 'oar' }]);

    expect((await alice('GET', '/apps/shop/addons')).body.map((a: { name: string }) => a.name)).toEqual([name]);
    expect((await alice('GET', `/addons/${name}`)).body.id).toBe(addonId);
    expect((await alice('GET', `/addons/${addonId}`)).body.name).toBe(name);

    // the other tenant: not even told it exists, and cannot share it
    expect((await bob('GET', `/addons/${name}`)).status).toBe(404);
    expect((await bob('GET', '/addons')).body).toEqual([]);
    expect((await bob('POST', '/addon-attachments', { addon: name, app: 'bobs-shop' })).status).toBe(404);
    expect((await alice('POST', '/addon-attachments', { addon: name, app: 'bobs-shop' })).status).toBe(403);

    // shared with another app of the same owner, under a colour name
    const attached = await alice('POST', '/addon-attachments', { addon: { name }, app: { name: 'shop-admin' } });
    expect(attached.status).toBe(201);
    expect(attached.body).toMatchObject({ name: expect.stringMatching(/^HEROKU_POSTGRESQL_[A-Z]+$/), app: { name: 'shop-admin' }, addon: { name, app: { name: 'shop' } } });
    const adminVars = (await alice('GET', '/apps/shop-admin/config-vars')).body;
    expect(adminVars[`${attached.body.name}_URL`]).toBe(url);
    expect((await alice('GET', '/apps/shop-admin/addons')).body.map((a: { name: string }) => a.name)).toEqual([name]);
    expect((await alice('GET', '/apps/shop-admin/addon-attachments')).body).toHaveLength(1);
    // the owner's own attachment is not detached: the add-on is destroyed instead
    const own = (await alice('GET', '/apps/shop/addon-attachments')).body[0];
    expect((await alice('DELETE', `/addon-attachments/${own.id}`)).status).toBe(422);
    // detached again, then attached once more for the destroy below
    expect((await alice('DELETE', `/addon-attachments/${attached.body.id}`)).status).toBe(200);
    expect((await alice('GET', '/apps/shop-admin/config-vars')).body[`${attached.body.name}_URL`]).toBeUndefined();
    expect((await alice('POST', '/addon-attachments', { addon: name, app: 'shop-admin', name: 'ANALYTICS' })).body.name).toBe('ANALYTICS');

    // only the owning app destroys it
    expect((await alice('DELETE', `/apps/shop-admin/addons/${name}`)).status).toBe(404);
    const destroyed = await alice('DELETE', `/apps/shop/addons/${name}`);
    expect(destroyed).toMatchObject({ status: 200, body: { state: 'deprovisioned' } });
    expect((await alice('GET', '/apps/shop/config-vars')).body.DATABASE_URL).toBeUndefined();
    expect((await alice('GET', '/apps/shop-admin/config-vars')).body.ANALYTICS_URL).toBeUndefined();
    expect((await alice('GET', `/addons/${name}`)).status).toBe(404);
    expect(await docker.listContainers({ all: true, filters: { label: [`io.slipway.addon=${addonId}`] } })).toEqual([]);
    await expect(docker.getVolume(addonVolumeName(hostId, addonId)).inspect()).rejects.toMatchObject({ statusCode: 404 });
  }, 600_000);

  it('rotates a PostgreSQL add-on’s credentials: new password, the new URL on every attached app (a release each), the old one refused', async () => {
    const created = await alice('POST', '/apps/shop/addons', { plan: 'postgresql:mini' });
    expect(created.status).toBe(201);
    const name = created.body.name as string;
    expect((await alice('POST', '/addon-attachments', { addon: name, app: 'shop-admin', name: 'REPORTS' })).status).toBe(201);
    const before = (await alice('GET', '/apps/shop/config-vars')).body.DATABASE_URL as string;
    await pgQuery(before, 'CREATE TABLE kept (n int)');
    await pgQuery(before, 'INSERT INTO kept VALUES (7)');

    expect((await bob('POST', `/addons/${name}/actions/rotate-credentials`, {})).status).toBe(404);
    const rotated = await alice('POST', `/addons/${name}/actions/rotate-credentials`, {});
    expect(rotated).toMatchObject({ status: 200, body: { name, state: 'provisioned' } });
    const after = (await alice('GET', '/apps/shop/config-vars')).body.DATABASE_URL as string;
    expect(after).not.toBe(before);
    expect(new URL(after).username).toBe(new URL(before).username);
    expect((await alice('GET', '/apps/shop-admin/config-vars')).body.REPORTS_URL).toBe(after);
    expect((await alice('GET', '/apps/shop/releases')).body.at(-1).description).toContain('Rotate DATABASE credentials');
    expect((await alice('GET', '/apps/shop-admin/releases')).body.at(-1).description).toContain('Rotate REPORTS credentials');
    await expect(pgQuery(before, 'SELECT 1')).rejects.toThrow(/password authentication failed/);
    expect(await pgQuery(after, 'SELECT n FROM kept')).toEqual([{ n: 7 }]);
    // pg:info asks the server with the new credentials
    expect(await alice('GET', `/addons/${name}/info`)).toMatchObject({ status: 200, body: { addon: { name }, service: 'postgresql', plan: 'postgresql:mini', tables: 1, keys: null } });
    expect((await bob('GET', `/addons/${name}/info`)).status).toBe(404);

    const redis = await alice('POST', '/apps/shop/addons', { plan: 'redis:mini' });
    expect(await alice('POST', `/addons/${redis.body.name}/actions/rotate-credentials`, {})).toMatchObject({ status: 422, body: { message: expect.stringContaining('Only PostgreSQL') } });
    // addons:move is the operators': its owner is refused; an operator is told why it cannot move here
    const admin = apiClient(cp.url, cp.adminToken);
    expect(await alice('POST', `/addons/${name}/actions/move`, {})).toMatchObject({ status: 403, body: { message: 'This action is for operators only.' } });
    expect(await admin('POST', `/addons/${name}/actions/move`, { host: 'nowhere' })).toMatchObject({ status: 422, body: { id: 'invalid_params', message: 'There is no host nowhere.' } });
    expect(await admin('POST', `/addons/${name}/actions/move`, { host: hostId })).toMatchObject({ status: 422, body: { message: expect.stringContaining(`already on ${hostId}`) } });
    expect(await admin('POST', `/addons/${name}/actions/move`, {})).toMatchObject({ status: 503, body: { id: 'no_hosts', message: expect.stringContaining(`No host other than ${hostId}`) } });
    // Redis moves too (by its RDB snapshot); here there is no other host to move it to
    expect(await admin('POST', `/addons/${redis.body.name}/actions/move`, {})).toMatchObject({ status: 503, body: { id: 'no_hosts', message: expect.stringContaining(`No host other than ${hostId}`) } });
    expect((await admin('POST', `/addons/${name}/actions/move`, { host: 7 })).status).toBe(422);
    expect(await pgQuery(after, 'SELECT n FROM kept')).toEqual([{ n: 7 }]);
    for (const addon of [name, redis.body.name as string]) expect((await alice('DELETE', `/apps/shop/addons/${addon}`)).status).toBe(200);
  }, 600_000);

  it('gives each tenant its own server: one tenant’s credentials are refused by the other’s', async () => {
    const mine = await alice('POST', '/apps/shop/addons', { plan: 'postgresql' });
    const theirs = await bob('POST', '/apps/bobs-shop/addons', { plan: 'postgresql:mini', attachment: { name: 'database' } });
    expect([mine.status, theirs.status]).toEqual([201, 201]);
    const aliceUrl = new URL((await alice('GET', '/apps/shop/config-vars')).body.DATABASE_URL);
    const bobUrl = new URL((await bob('GET', '/apps/bobs-shop/config-vars')).body.DATABASE_URL);
    expect(aliceUrl.port).not.toBe(bobUrl.port);
    expect(await pgQuery(aliceUrl.href, 'SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
    // Alice's user and password against Bob's server (its host and port): refused
    const crossed = new URL(aliceUrl.href);
    crossed.port = bobUrl.port;
    await expect(pgQuery(crossed.href, 'SELECT 1')).rejects.toThrow(/authentication failed|does not exist/);
    crossed.pathname = bobUrl.pathname;
    await expect(pgQuery(crossed.href, 'SELECT 1')).rejects.toThrow(/authentication failed/);
    expect((await alice('DELETE', `/apps/shop/addons/${mine.body.name}`)).status).toBe(200);
    expect((await bob('DELETE', `/apps/bobs-shop/addons/${theirs.body.name}`)).status).toBe(200);
  }, 600_000);

  it('provisions Redis: REDIS_URL, a password required, values kept across a restart', async () => {
    const created = await alice('POST', '/apps/shop/addons', { plan: { name: 'redis:mini' } });
    expect(created).toMatchObject({ status: 201, body: { config_vars: ['REDIS_URL'], addon_service: { name: 'redis' } } });
    const url = (await alice('GET', '/apps/shop/config-vars')).body.REDIS_URL as string;
    expect(url).toMatch(new RegExp(`^redis://:[^@]+@${created.body.name}:\\d+$`));
    const client = new Redis(fromHost(url), { lazyConnect: true, maxRetriesPerRequest: 1 });
    await client.connect();
    await client.set('cart:1', 'boat');
    client.disconnect();
    expect((await agent.addons.restart(created.body.id)).ok).toBe(true);
    const again = new Redis(fromHost(url), { lazyConnect: true, maxRetriesPerRequest: 1 });
    await again.connect();
    expect(await again.get('cart:1')).toBe('boat');
    again.disconnect();
    expect((await alice('DELETE', `/apps/shop/addons/${created.body.id}`)).status).toBe(200);
    expect((await alice('GET', '/apps/shop/config-vars')).body.REDIS_URL).toBeUndefined();
  }, 600_000);

  it('slipway addons, addons:create, :info, :attach, :detach and :destroy (confirmation required)', async () => {
    const home = await mkdtemp(join(tmpdir(), 'slipway-addons-cli-'));
    try {
      const slipway = inProcessCli({ home, cwd: home });
      const ok = async (args: string[]) => {
        const result = await slipway(args);
        expect(result.stderr, args.join(' ')).toBe('');
        expect(result.code, args.join(' ')).toBe(0);
        return result.stdout;
      };
      expect((await slipway(['login', '--api', cp.url, '--token', '-'], { stdin: `${aliceToken}\n` })).code).toBe(0);
      expect(await ok(['addons', '-a', 'shop-admin'])).toBe('No add-ons for app shop-admin.\n');
      expect(await ok(['addons:plans', 'redis'])).toMatch(/redis:mini \(default\)\s+64 MB\s+0.25\s+\$3\.00\/month/);
      const created = await ok(['addons:create', 'redis:mini', '-a', 'shop-admin', '--as', 'CACHE']);
      const name = /^Created (redis-[a-z]+-\d{5}) \(redis:mini\) as CACHE_URL on shop-admin$/m.exec(created)?.[1];
      expect(name, created).toBeDefined();
      expect(await ok(['addons', '-a', 'shop-admin'])).toMatch(new RegExp(`${name}\\s+redis:mini\\s+shop-admin\\s+CACHE_URL\\s+provisioned`));
      expect(await ok(['addons:attach', name!, '-a', 'shop'])).toMatch(new RegExp(`^Attached ${name} to shop as HEROKU_REDIS_[A-Z]+_URL`));
      expect(await ok(['addons:info', name!])).toMatch(/Attachments:\s+shop-admin::CACHE, shop::HEROKU_REDIS_[A-Z]+/);
      const attachment = /shop::(HEROKU_REDIS_[A-Z]+)/.exec(await ok(['addons:info', name!]))![1]!;
      expect(await ok(['addons:detach', attachment, '-a', 'shop'])).toContain(`Detached ${attachment} (${name}) from shop`);
      const refused = await slipway(['addons:destroy', name!, '-a', 'shop-admin']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('--confirm shop-admin');
      expect((await alice('GET', `/addons/${name}`)).status).toBe(200);
      expect(await ok(['addons:destroy', name!, '-a', 'shop-admin', '--confirm', 'shop-admin'])).toBe(`Destroyed ${name} on shop-admin\n`);
      expect((await alice('GET', '/apps/shop-admin/config-vars')).body.CACHE_URL).toBeUndefined();
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  }, 600_000);

  it('deleting an app destroys the add-ons it owns (their data too) and detaches them from the other apps', async () => {
    expect((await alice('POST', '/apps', { name: 'doomed' })).status).toBe(201);
    const created = await alice('POST', '/apps/doomed/addons', { plan: 'redis' });
    expect(created.status).toBe(201);
    expect((await alice('POST', '/addon-attachments', { addon: created.body.name, app: 'shop', name: 'DOOMED_CACHE' })).status).toBe(201);
    expect((await alice('GET', '/apps/shop/config-vars')).body.DOOMED_CACHE_URL).toMatch(/^redis:/);
    expect((await alice('DELETE', '/apps/doomed')).status).toBe(200);
    expect((await alice('GET', '/apps/shop/config-vars')).body.DOOMED_CACHE_URL).toBeUndefined();
    expect((await alice('GET', `/addons/${created.body.name}`)).status).toBe(404);
    expect(await docker.listContainers({ all: true, filters: { label: [`io.slipway.addon=${created.body.id}`] } })).toEqual([]);
    await expect(docker.getVolume(addonVolumeName(hostId, created.body.id)).inspect()).rejects.toMatchObject({ statusCode: 404 });
  }, 600_000);
});
