// Add-ons' servers on a host, for real: PostgreSQL and Redis images built from the stack's
// Debian packages, run by the agent's AddonManager on Docker, used with the usual client
// libraries (pg, ioredis) over the host's private address (127.0.0.1 here).
import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureAddonImage, type AddonImage } from '../buildpacks/addons/images.js';
import { ensureStack } from '../buildpacks/stack/ensure.js';
import { testBuilderConfig } from '../buildpacks/testing/build-fixtures.js';
import { addonService } from '../common/addons.js';
import { silentLogger } from '../common/logger.js';
import type { RunAddonRequest } from '../common/protocol.js';
import type { RunningService } from '../supervisor/services.js';
import { startTestRegistry } from '../test/support/services.js';
import { answersLike } from './addon-probe.js';
import { addonContainerSpec, addonVolumeName, parseServerInfo, rotatePasswordExec, serverInfoExec } from './addon-spec.js';
import { AddonManager } from './addons.js';
import { DockerContainerEngine } from './docker-engine.js';
import { removeHostLeftovers, uniqueHostId } from './testing/agent-fixtures.js';
import { waitFor } from '../test/support/wait.js';

const host = { hostId: 'h1', registry: '127.0.0.1:5000', address: '127.0.0.1' };
const image = { repository: 'slipway/addon-postgresql', digest: `sha256:${'a'.repeat(64)}` };

const request = (overrides: Partial<RunAddonRequest> = {}): RunAddonRequest => ({
  addonId: 'a1',
  name: 'postgresql-quiet-12345',
  service: 'postgresql',
  image,
  env: { ADDON_USER: 'u', ADDON_PASSWORD: 'secret', ADDON_DATABASE: 'd' },
  memoryMb: 256,
  cpus: 0.25,
  ...overrides,
});

describe('what a server says of itself, as data', () => {
  it('reads psql’s row and Redis’s INFO, and refuses anything else', () => {
    expect(parseServerInfo('postgresql', '15.8 (Debian 15.8-0+deb12u1)|7651811|2|3\n')).toEqual({ version: '15.8 (Debian 15.8-0+deb12u1)', bytes: 7651811, connections: 2, objects: 3 });
    expect(parseServerInfo('redis', '# Server\r\nredis_version:7.0.15\r\n# Memory\r\nused_memory:1048576\r\n# Clients\r\nconnected_clients:1\r\ndbsize:4\n')).toEqual({ version: '7.0.15', bytes: 1048576, connections: 1, objects: 4 });
    expect(parseServerInfo('postgresql', 'psql: error: connection refused')).toBeNull();
    expect(parseServerInfo('redis', 'NOAUTH Authentication required.')).toBeNull();
    expect(JSON.stringify(serverInfoExec('redis', { user: '', password: 'secret-pw', database: '' }).argv)).not.toContain('secret-pw');
    expect(JSON.stringify(serverInfoExec('postgresql', { user: 'u', password: 'secret-pw', database: 'd' }).argv)).not.toContain('secret-pw');
  });
});

describe('a PostgreSQL password rotation, as data', () => {
  it('keeps both passwords out of the command line', () => {
    const { argv, env } = rotatePasswordExec({ user: 'u1', currentPassword: 'old-secret', newPassword: 'new-secret-0123456789' });
    expect(JSON.stringify(argv)).not.toMatch(/secret/);
    expect(env).toEqual({ ADDON_USER: 'u1', PGPASSWORD: 'old-secret', ADDON_NEW_PASSWORD: 'new-secret-0123456789' });
  });
});

describe('an add-on container, as data', () => {
  it('runs the server as the non-root user, limited, on its named volume, published on the host’s private address only', () => {
    const spec = addonContainerSpec(request(), host, 40123);
    expect(spec.User).toBe('1000:1000');
    expect(spec.HostConfig).toMatchObject({
      Privileged: false,
      CapDrop: ['ALL'],
      Memory: 256 * 1024 * 1024,
      MemorySwap: 256 * 1024 * 1024,
      NanoCpus: 250_000_000,
      NetworkMode: 'slipway-apps',
      RestartPolicy: { Name: 'unless-stopped' },
      // the server listens on the port it is published on: its URL holds for apps here and elsewhere
      PortBindings: { '40123/tcp': [{ HostIp: '127.0.0.1', HostPort: '40123' }] },
      Mounts: [{ Type: 'volume', Source: addonVolumeName('h1', 'a1'), Target: '/app' }],
    });
    expect(spec.Labels).toMatchObject({ 'io.slipway.managed': 'true', 'io.slipway.host': 'h1', 'io.slipway.addon': 'a1', 'io.slipway.addon.service': 'postgresql' });
    expect(spec.Image).toBe(`127.0.0.1:5000/slipway/addon-postgresql@sha256:${'a'.repeat(64)}`);
    // the password is in the environment only, never in the command line
    expect(JSON.stringify(spec.Cmd)).not.toContain('secret');
    expect(spec.Env).toContain('ADDON_PASSWORD=secret');
    expect(spec.Env).toContain('ADDON_PORT=40123');
    // on its own network, under its name (the host of its URL)
    expect(spec.NetworkingConfig).toEqual({ EndpointsConfig: { 'slipway-addon-a1.h1': { Aliases: ['postgresql-quiet-12345'] } } });
  });

  it('tells a server’s first answer from anything else', () => {
    const error = (code: string) => Buffer.concat([Buffer.from('E\0\0\0\x30', 'latin1'), Buffer.from(`SFATAL\0C${code}\0Mthe database system is starting up\0\0`, 'latin1')]);
    expect(answersLike('postgresql', Buffer.from([0x52, 0, 0, 0, 23, 0, 0, 0, 10]))).toBe(true); // AuthenticationSASL
    expect(answersLike('postgresql', error('57P03'))).toBe(false); // starting up: not yet
    expect(answersLike('postgresql', error('53300'))).toBe(true); // too many connections: there
    expect(answersLike('postgresql', Buffer.from('N'))).toBe(false);
    expect(answersLike('postgresql', Buffer.from('HTTP/1.1 400'))).toBe(false);
    expect(answersLike('redis', Buffer.from('-NOAUTH Authentication required.\r\n'))).toBe(true);
    expect(answersLike('redis', Buffer.from('HTTP/1.1 400'))).toBe(false);
  });
});

describe('add-on servers on Docker', () => {
  const docker = new Docker();
  const hostId = uniqueHostId('addons');
  let registry: RunningService;
  let images: { postgresql: AddonImage; redis: AddonImage };
  let manager: AddonManager;
  const hostSettings = () => ({ hostId, registry: registry.url.replace(/^https?:\/\//, ''), address: '127.0.0.1' });

  beforeAll(async () => {
    registry = await startTestRegistry();
    const config = testBuilderConfig(registry.url);
    const stack = await ensureStack(docker, config, () => {});
    images = {
      postgresql: await ensureAddonImage(docker, config, stack, addonService('postgresql')!, () => {}),
      redis: await ensureAddonImage(docker, config, stack, addonService('redis')!, () => {}),
    };
    manager = new AddonManager({ host: hostSettings(), engine: new DockerContainerEngine(docker, hostId), log: silentLogger() });
  }, 30 * 60_000);

  afterAll(async () => {
    await removeHostLeftovers(docker, [hostId]);
    await registry?.stop();
  });

  it('PostgreSQL: generated credentials work, data survives a restart, wrong credentials are refused, destroy removes the volume', async () => {
    expect(images.postgresql.versions.postgresql).toMatch(/^\d+/);
    const addonId = `pg-${randomBytes(3).toString('hex')}`;
    const password = randomBytes(18).toString('base64url');
    const creds = { ADDON_USER: 'u_test', ADDON_PASSWORD: password, ADDON_DATABASE: 'd_test' };
    const run = await manager.run({ addonId, name: 'postgresql-test', service: 'postgresql', image: images.postgresql, env: creds, memoryMb: 256, cpus: 0.5 });
    expect(run).toMatchObject({ ok: true, port: expect.any(Number) });
    const url = `postgres://u_test:${password}@127.0.0.1:${run.port}/d_test`;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('CREATE TABLE notes (body text)');
    await client.query('INSERT INTO notes VALUES ($1)', ['kept']);
    // not a superuser's world: the server runs as the stack's user
    expect((await client.query('SELECT current_user')).rows[0].current_user).toBe('u_test');
    await client.end();

    const restarted = await manager.restart(addonId);
    expect(restarted).toEqual({ ok: true, port: run.port }); // the URL stays valid
    const again = new pg.Client({ connectionString: `postgres://u_test:${password}@127.0.0.1:${restarted.port}/d_test` });
    await again.connect();
    expect((await again.query('SELECT body FROM notes')).rows).toEqual([{ body: 'kept' }]);
    await again.end();

    // a retried run finds the same server and data
    expect((await manager.run({ addonId, name: 'postgresql-test', service: 'postgresql', image: images.postgresql, env: creds, memoryMb: 256, cpus: 0.5 })).port).toBe(restarted.port);

    // what the server says of itself: its version, the data's size, the connections, one table
    const info = await manager.info({ addonId, user: 'u_test', password, database: 'd_test' });
    expect(info).toMatchObject({ ok: true, info: { version: expect.stringMatching(/^\d+/), objects: 1 } });
    expect(info.info!.bytes).toBeGreaterThan(1_000_000);
    expect(info.info!.connections).toBeGreaterThanOrEqual(1);

    // a new password: a connection already open keeps working, new ones need the new password
    const open = new pg.Client({ connectionString: `postgres://u_test:${password}@127.0.0.1:${restarted.port}/d_test` });
    await open.connect();
    const rotated = randomBytes(18).toString('base64url');
    expect(await manager.rotatePassword({ addonId, user: 'u_test', currentPassword: password, newPassword: rotated })).toEqual({ ok: true });
    expect((await open.query('SELECT body FROM notes')).rows).toEqual([{ body: 'kept' }]);
    await open.end();
    await expect(new pg.Client({ connectionString: `postgres://u_test:${password}@127.0.0.1:${restarted.port}/d_test` }).connect()).rejects.toThrow(/password authentication failed/);
    const renewed = new pg.Client({ connectionString: `postgres://u_test:${rotated}@127.0.0.1:${restarted.port}/d_test` });
    await renewed.connect();
    expect((await renewed.query('SELECT body FROM notes')).rows).toEqual([{ body: 'kept' }]);
    await renewed.end();
    // the old password no longer signs a rotation in
    expect(await manager.rotatePassword({ addonId, user: 'u_test', currentPassword: password, newPassword: randomBytes(18).toString('base64url') })).toMatchObject({ ok: false, error: expect.stringMatching(/psql exited with 2/) });

    const wrong = new pg.Client({ connectionString: `postgres://u_test:not-the-password@127.0.0.1:${restarted.port}/d_test` });
    await expect(wrong.connect()).rejects.toThrow(/password authentication failed/);
    const other = new pg.Client({ connectionString: `postgres://postgres:${password}@127.0.0.1:${restarted.port}/postgres` });
    await expect(other.connect()).rejects.toThrow(/authentication failed/);

    const inspected = await docker.listContainers({ all: true, filters: { label: [`io.slipway.addon=${addonId}`] } });
    const details = await docker.getContainer(inspected[0]!.Id).inspect();
    expect(details.Config.User).toBe('1000:1000');
    expect(details.HostConfig.Memory).toBe(256 * 1024 * 1024);
    // its own network: internal (no way out), labeled for this host, the server on it by name
    const network = await docker.getNetwork(`slipway-addon-${addonId}.${hostId}`).inspect();
    expect(network).toMatchObject({ Internal: true, Labels: { 'io.slipway.host': hostId, 'io.slipway.addon': addonId, 'io.slipway.network.role': 'addon' } });
    expect(details.NetworkSettings.Networks[`slipway-addon-${addonId}.${hostId}`]?.Aliases).toContain('postgresql-test');

    expect(await manager.remove(addonId)).toEqual({ ok: true });
    expect(await docker.listContainers({ all: true, filters: { label: [`io.slipway.addon=${addonId}`] } })).toEqual([]);
    await expect(docker.getVolume(addonVolumeName(hostId, addonId)).inspect()).rejects.toMatchObject({ statusCode: 404 });
    await expect(docker.getNetwork(`slipway-addon-${addonId}.${hostId}`).inspect()).rejects.toMatchObject({ statusCode: 404 });
  }, 300_000);

  it('Redis: password required, append-only data survives a restart', async () => {
    const addonId = `rd-${randomBytes(3).toString('hex')}`;
    const password = randomBytes(18).toString('base64url');
    const run = await manager.run({ addonId, name: 'redis-test', service: 'redis', image: images.redis, env: { ADDON_PASSWORD: password }, memoryMb: 64, cpus: 0.25 });
    expect(run).toMatchObject({ ok: true, port: expect.any(Number) });
    const client = new Redis(`redis://:${password}@127.0.0.1:${run.port}`, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await client.connect();
    await client.set('greeting', 'kept');
    expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    client.disconnect();

    const restarted = await manager.restart(addonId);
    expect(restarted).toEqual({ ok: true, port: run.port });
    const again = new Redis(`redis://:${password}@127.0.0.1:${restarted.port}`, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await again.connect();
    expect(await again.get('greeting')).toBe('kept');
    expect(await manager.info({ addonId, user: '', password, database: '' })).toMatchObject({ ok: true, info: { version: expect.stringMatching(/^\d+\./), objects: 1, connections: expect.any(Number) } });
    again.disconnect();

    const stranger = new Redis(`redis://127.0.0.1:${restarted.port}`, { lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    stranger.on('error', () => {});
    await stranger.connect();
    await expect(stranger.get('greeting')).rejects.toThrow(/NOAUTH/);
    await expect(stranger.auth('not-the-password')).rejects.toThrow(/WRONGPASS/);
    await expect(stranger.get('greeting')).rejects.toThrow(/NOAUTH/);
    stranger.disconnect();

    // at an agent's start, the network of an add-on whose server is gone (a removal cut short)
    // goes, and this one's, whose server is there, stays
    const engine = new DockerContainerEngine(docker, hostId);
    await engine.ensureAddonNetwork('rd-orphan');
    expect((await engine.listAddonNetworks()).sort()).toEqual([addonId, 'rd-orphan'].sort());
    await manager.startStopped();
    expect(await engine.listAddonNetworks()).toEqual([addonId]);

    expect(await manager.remove(addonId)).toEqual({ ok: true });
    expect(await engine.listAddonNetworks()).toEqual([]);
  }, 300_000);

  it('at the agent\'s exit, stops every server and keeps them with their data for the next start', async () => {
    const suffix = randomBytes(3).toString('hex');
    const password = randomBytes(18).toString('base64url');
    const redis = await manager.run({ addonId: `rd-${suffix}`, name: 'redis-kept', service: 'redis', image: images.redis, env: { ADDON_PASSWORD: password }, memoryMb: 64, cpus: 0.25 });
    const postgres = await manager.run({ addonId: `pg-${suffix}`, name: 'postgresql-kept', service: 'postgresql', image: images.postgresql, env: { ADDON_USER: 'u', ADDON_PASSWORD: password, ADDON_DATABASE: 'd' }, memoryMb: 256, cpus: 0.5 });
    expect([redis.ok, postgres.ok]).toEqual([true, true]);
    const client = new Redis(`redis://:${password}@127.0.0.1:${redis.port}`, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await client.connect();
    await client.set('greeting', 'kept');
    client.disconnect();

    await manager.stopAll();
    const servers = await docker.listContainers({ all: true, filters: { label: [`io.slipway.host=${hostId}`] } });
    expect(servers.map((c) => c.State).sort()).toEqual(['exited', 'exited']);

    await manager.startStopped();
    const again = await waitFor<Redis>('the Redis server back', async () => {
      const attempt = new Redis(`redis://:${password}@127.0.0.1:${redis.port}`, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
      attempt.on('error', () => {});
      try {
        await attempt.connect();
        return attempt;
      } catch {
        attempt.disconnect();
        return false;
      }
    });
    expect(await again.get('greeting')).toBe('kept');
    again.disconnect();
    for (const addonId of [`rd-${suffix}`, `pg-${suffix}`]) expect(await manager.remove(addonId)).toEqual({ ok: true });
  }, 300_000);
});
