// addons:move for real: the control plane's Addons and Backups over Redis, NATS to two real agents
// (two hosts sharing one Docker engine: each add-on network, volume and container is named after
// its host as well) running a PostgreSQL, then a Redis add-on on Docker, their backups in an S3
// server (moto). A move to a host whose agent does not answer, and one to a host recorded down,
// fail cleanly: the add-on keeps serving its data where it was, its record unchanged. A move to the
// second agent's host takes the rows (keys) there, gives the app the new URL as a release, and
// removes the old server, volume and network.
import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
import { connect, type NatsConnection } from 'nats';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandServer } from '../../agent/commands.js';
import { removeHostLeftovers, serveAddonHost, uniqueHostId } from '../../agent/testing/agent-fixtures.js';
import { ensureAddonImage } from '../../buildpacks/addons/images.js';
import { ensureStack } from '../../buildpacks/stack/ensure.js';
import { testBuilderConfig } from '../../buildpacks/testing/build-fixtures.js';
import { addonService } from '../../common/addons.js';
import { silentLogger } from '../../common/logger.js';
import type { App, Host } from '../../common/types.js';
import type { RunningService } from '../../supervisor/services.js';
import { useTestRedis } from '../../test/support/redis.js';
import { startTestS3, type TestS3 } from '../../test/support/s3-server.js';
import { startTestNats, startTestRegistry } from '../../test/support/services.js';
import { NatsAgentClient } from '../agents/client.js';
import { Backups } from '../backups/service.js';
import { BackupStore } from '../backups/store.js';
import { AddonStore, type AddonRecord } from '../store/addons.js';
import { HostStore } from '../store/hosts.js';
import { Addons } from './service.js';

const testHost = (id: string, state: Host['state']): Host => ({ id, provider: 'local', state, address: '127.0.0.1', capacity: { memoryMb: 4096, cpus: 2 }, lastHeartbeat: null, createdAt: new Date().toISOString() });

describe('addons:move on a real PostgreSQL add-on, NATS, Redis and S3', () => {
  const redis = useTestRedis();
  const docker = new Docker();
  const hostId = uniqueHostId('pgmove');
  const targetHost = uniqueHostId('pgmove-target');
  const silentHost = uniqueHostId('pgmove-silent');
  const downHost = uniqueHostId('pgmove-down');
  const addonId = `pg-${randomBytes(3).toString('hex')}`;
  const password = randomBytes(18).toString('base64url');
  let registry: RunningService;
  let natsServer: RunningService;
  let s3: TestS3;
  let nats: NatsConnection;
  let agentSide: NatsConnection;
  const commands: CommandServer[] = [];
  let addon: AddonRecord;
  let addons: Addons;
  let backups: Backups;
  const releases: string[] = [];
  const app = { id: 'app-move', name: 'shop' } as App;

  const urlOf = (record: AddonRecord) => `postgres://${record.credentials.user}:${encodeURIComponent(record.credentials.password)}@127.0.0.1:${record.port}/${record.credentials.database}`;
  const query = async (url: string, sql: string) => {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  };
  const host = testHost;

  beforeAll(async () => {
    [registry, natsServer, s3] = await Promise.all([startTestRegistry(), startTestNats(), startTestS3()]);
    const config = testBuilderConfig(registry.url);
    const stack = await ensureStack(docker, config, () => {});
    const image = await ensureAddonImage(docker, config, stack, addonService('postgresql')!, () => {});
    const registryHost = registry.url.replace(/^https?:\/\//, '');
    [nats, agentSide] = await Promise.all([connect({ servers: natsServer.url }), connect({ servers: natsServer.url })]);
    const { manager, commands: sourceCommands } = serveAddonHost(agentSide, docker, registryHost, hostId);
    commands.push(sourceCommands, serveAddonHost(agentSide, docker, registryHost, targetHost).commands);
    const hosts = new HostStore(redis());
    for (const h of [host(hostId, 'up'), host(targetHost, 'up'), host(silentHost, 'up'), host(downHost, 'down')]) await hosts.save(h);
    const store = new AddonStore(redis());
    const agents = new NatsAgentClient(nats);
    addons = new Addons({
      store,
      hosts,
      agents,
      releaser: { changeConfig: async (target, changes, description) => (releases.push(`${target.name} ${Object.keys(changes).join(',')} ${description}`), {} as never) },
      image: null,
      logger: silentLogger(),
    });
    backups = new Backups({ store: new BackupStore(redis()), agents, storage: s3.storage, key: randomBytes(32), logger: silentLogger(), addonById: (id) => store.get(id) });
    const credentials = { user: 'u_move', password, database: 'd_move' };
    const run = await manager.run({ addonId, name: 'postgresql-cp-move', service: 'postgresql', image, env: { ADDON_USER: credentials.user, ADDON_PASSWORD: password, ADDON_DATABASE: credentials.database }, memoryMb: 256, cpus: 0.5 });
    if (!run.ok) throw new Error(run.error);
    const at = new Date().toISOString();
    addon = { id: addonId, name: 'postgresql-cp-move', service: 'postgresql', plan: 'postgresql:mini', appId: app.id, hostId, address: '127.0.0.1', port: run.port!, image, credentials, state: 'provisioned', createdAt: at, updatedAt: at };
    expect(await store.create(addon)).toBe(true);
    expect(await store.attach({ id: 'att-1', addonId, appId: app.id, name: 'DATABASE', createdAt: at })).toBe(true);
    await query(urlOf(addon), "CREATE TABLE orders (id serial PRIMARY KEY, item text); INSERT INTO orders (item) SELECT 'item ' || n FROM generate_series(1, 500) n");
  }, 30 * 60_000);

  afterAll(async () => {
    for (const server of commands) await server.close();
    await Promise.all([nats?.close(), agentSide?.close()]);
    await removeHostLeftovers(docker, [hostId, targetHost]);
    await Promise.all([registry?.stop(), natsServer?.stop(), s3?.stop()]);
  });

  it('a host whose agent does not answer: the backup is captured, provisioning fails and says so, the add-on serves its rows where it was', async () => {
    const err = await addons.move(addon, silentHost, backups, async (id) => (id === app.id ? app : null)).then(() => null, (e: unknown) => e as Error & { status: number });
    expect(err?.status).toBe(503);
    expect(err?.message).toContain(`provisioning the new server on ${silentHost} failed`);
    expect(err?.message).toContain(`It is still serving on ${hostId}`);
    expect(err?.message).not.toContain(password);
    expect(await addons.store.get(addonId)).toEqual(addon);
    expect(releases).toEqual([]);
    expect((await backups.list(addon)).map((b) => b.status)).toEqual(['succeeded']);
    expect(await query(urlOf(addon), 'SELECT count(*)::int AS n FROM orders')).toEqual([{ n: 500 }]);
  }, 300_000);

  it('a host recorded down: refused (409) before anything is done', async () => {
    await expect(addons.move(addon, downHost, backups, async () => app)).rejects.toMatchObject({ status: 409, message: expect.stringContaining(`${downHost} is down`) });
    expect((await backups.list(addon)).length).toBe(1);
    expect(await addons.store.get(addonId)).toEqual(addon);
    expect(await query(urlOf(addon), 'SELECT count(*)::int AS n FROM orders')).toEqual([{ n: 500 }]);
  }, 60_000);

  it('a host whose agent answers: the rows move there, the app gets the new URL as a release, and the old server goes', async () => {
    await query(urlOf(addon), "INSERT INTO orders (item) VALUES ('written just before the move')");
    const moving = addons.move(addon, targetHost, backups, async (id) => (id === app.id ? app : null));
    // one move at a time: a second one while this runs is refused, and changes nothing
    await expect(addons.move(addon, targetHost, backups, async () => app)).rejects.toMatchObject({ status: 409, message: expect.stringContaining('is being moved already') });
    const moved = await moving;
    expect(moved).toMatchObject({ id: addonId, hostId: targetHost, address: '127.0.0.1', credentials: addon.credentials });
    expect(moved.port).not.toBe(addon.port);
    expect(await addons.store.get(addonId)).toEqual(moved);
    expect(await query(urlOf(moved), "SELECT count(*)::int AS n, max(item) FILTER (WHERE id = 501) AS last FROM orders")).toEqual([{ n: 501, last: 'written just before the move' }]);
    expect(releases).toEqual([`shop DATABASE_URL Move DATABASE to host ${targetHost} (@ref:postgresql-cp-move)`]);
    // the server, its volume and its network are on the target host only now
    const containers = await docker.listContainers({ all: true, filters: { label: [`io.slipway.addon=${addonId}`] } });
    expect(containers.map((c) => c.Labels['io.slipway.host'])).toEqual([targetHost]);
    const { Volumes } = await docker.listVolumes({ filters: { label: [`io.slipway.addon=${addonId}`] } });
    expect((Volumes ?? []).map((v) => v.Labels['io.slipway.host'])).toEqual([targetHost]);
    const networks = await docker.listNetworks({ filters: { label: [`io.slipway.addon=${addonId}`] } });
    expect(networks.map((n) => n.Labels?.['io.slipway.host'])).toEqual([targetHost]);
    await expect(query(urlOf(addon), 'SELECT 1')).rejects.toThrow();
    addon = moved;
  }, 300_000);
});

describe('addons:move on a real Redis add-on, NATS, Redis and S3', () => {
  const state = useTestRedis();
  const docker = new Docker();
  const hostId = uniqueHostId('rmove');
  const targetHost = uniqueHostId('rmove-target');
  const silentHost = uniqueHostId('rmove-silent');
  const addonId = `redis-${randomBytes(3).toString('hex')}`;
  const password = randomBytes(18).toString('base64url');
  const KEYS = 10_000;
  let registry: RunningService;
  let natsServer: RunningService;
  let s3: TestS3;
  let nats: NatsConnection;
  let agentSide: NatsConnection;
  const commands: CommandServer[] = [];
  let addon: AddonRecord;
  let addons: Addons;
  let backups: Backups;
  const releases: { app: string; changes: Record<string, string | null>; description: string }[] = [];
  const app = { id: 'app-rmove', name: 'cache-shop' } as App;

  const redisOf = async <T>(record: AddonRecord, use: (client: Redis) => Promise<T>): Promise<T> => {
    const client = new Redis({ host: '127.0.0.1', port: record.port!, password: record.credentials.password, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 5000 });
    client.on('error', () => undefined); // a refused connection rejects connect() below
    await client.connect();
    try {
      return await use(client);
    } finally {
      client.disconnect();
    }
  };

  beforeAll(async () => {
    [registry, natsServer, s3] = await Promise.all([startTestRegistry(), startTestNats(), startTestS3()]);
    const config = testBuilderConfig(registry.url);
    const stack = await ensureStack(docker, config, () => {});
    const image = await ensureAddonImage(docker, config, stack, addonService('redis')!, () => {});
    const registryHost = registry.url.replace(/^https?:\/\//, '');
    [nats, agentSide] = await Promise.all([connect({ servers: natsServer.url }), connect({ servers: natsServer.url })]);
    const { manager, commands: sourceCommands } = serveAddonHost(agentSide, docker, registryHost, hostId);
    commands.push(sourceCommands, serveAddonHost(agentSide, docker, registryHost, targetHost).commands);
    const hosts = new HostStore(state());
    for (const h of [testHost(hostId, 'up'), testHost(targetHost, 'up'), testHost(silentHost, 'up')]) await hosts.save(h);
    const store = new AddonStore(state());
    const agents = new NatsAgentClient(nats);
    addons = new Addons({
      store,
      hosts,
      agents,
      releaser: { changeConfig: async (target, changes, description) => (releases.push({ app: target.name, changes, description }), {} as never) },
      image: null,
      logger: silentLogger(),
    });
    backups = new Backups({ store: new BackupStore(state()), agents, storage: s3.storage, key: randomBytes(32), logger: silentLogger(), addonById: (id) => store.get(id) });
    const credentials = { user: 'u_unused', password, database: 'd_unused' };
    const run = await manager.run({ addonId, name: 'redis-cp-move', service: 'redis', image, env: { ADDON_PASSWORD: password }, memoryMb: 128, cpus: 0.5 });
    if (!run.ok) throw new Error(run.error);
    const at = new Date().toISOString();
    addon = { id: addonId, name: 'redis-cp-move', service: 'redis', plan: 'redis:mini', appId: app.id, hostId, address: '127.0.0.1', port: run.port!, image, credentials, state: 'provisioned', createdAt: at, updatedAt: at };
    expect(await store.create(addon)).toBe(true);
    expect(await store.attach({ id: 'att-r1', addonId, appId: app.id, name: 'REDIS', createdAt: at })).toBe(true);
    await redisOf(addon, async (client) => {
      const batch = client.pipeline();
      for (let n = 1; n <= KEYS; n += 1) batch.set(`session:${n}`, `user ${n}`);
      await batch.exec();
    });
  }, 30 * 60_000);

  afterAll(async () => {
    for (const server of commands) await server.close();
    await Promise.all([nats?.close(), agentSide?.close()]);
    await removeHostLeftovers(docker, [hostId, targetHost]);
    await Promise.all([registry?.stop(), natsServer?.stop(), s3?.stop()]);
  });

  it('a host whose agent does not answer: the move fails in words, the add-on serves its keys where it was', async () => {
    const err = await addons.move(addon, silentHost, backups, async (id) => (id === app.id ? app : null)).then(() => null, (e: unknown) => e as Error & { status: number });
    expect(err?.status).toBe(503);
    expect(err?.message).toContain(`provisioning the new server on ${silentHost} failed`);
    expect(err?.message).not.toContain(password);
    expect(await addons.store.get(addonId)).toEqual(addon);
    expect(releases).toEqual([]);
    expect(await redisOf(addon, (client) => client.dbsize())).toBe(KEYS);
  }, 300_000);

  it(`a host whose agent answers: ${KEYS} keys move there, the app gets the new REDIS_URL as a release, and the old server, volume and network go`, async () => {
    await redisOf(addon, (client) => client.set('written just before the move', 'yes'));
    const started = performance.now();
    const moved = await addons.move(addon, targetHost, backups, async (id) => (id === app.id ? app : null));
    console.log(`Redis move of ${KEYS + 1} keys: ${Math.round(performance.now() - started)} ms`);
    expect(moved).toMatchObject({ id: addonId, hostId: targetHost, address: '127.0.0.1', credentials: addon.credentials });
    expect(moved.port).not.toBe(addon.port);
    expect(await addons.store.get(addonId)).toEqual(moved);
    await redisOf(moved, async (client) => {
      expect(await client.dbsize()).toBe(KEYS + 1);
      expect(await client.get(`session:${KEYS}`)).toBe(`user ${KEYS}`);
      expect(await client.get('written just before the move')).toBe('yes');
    });
    expect(releases).toEqual([{ app: 'cache-shop', changes: { REDIS_URL: `redis://:${password}@redis-cp-move:${moved.port}` }, description: `Move REDIS to host ${targetHost} (@ref:redis-cp-move)` }]);
    const containers = await docker.listContainers({ all: true, filters: { label: [`io.slipway.addon=${addonId}`] } });
    expect(containers.map((c) => c.Labels['io.slipway.host'])).toEqual([targetHost]);
    const { Volumes } = await docker.listVolumes({ filters: { label: [`io.slipway.addon=${addonId}`] } });
    expect((Volumes ?? []).map((v) => v.Labels['io.slipway.host'])).toEqual([targetHost]);
    const networks = await docker.listNetworks({ filters: { label: [`io.slipway.addon=${addonId}`] } });
    expect(networks.map((n) => n.Labels?.['io.slipway.host'])).toEqual([targetHost]);
    await expect(redisOf(addon, (client) => client.ping())).rejects.toThrow();
    addon = moved;
  }, 300_000);
});
