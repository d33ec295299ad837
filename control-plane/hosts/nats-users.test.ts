// Per-host NATS users on a real nats-server: a host connects with its own token, an unknown or
// revoked one cannot, and revocation cuts the live connection.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger.js';
import { inboxPrefix } from '../../common/nats-auth.js';
import { freePort } from '../../common/ports.js';
import { subjects } from '../../common/protocol.js';
import { initialAuthorization, platformNatsPasswords } from '../../supervisor/nats-users.js';
import { startNats, type RunningService } from '../../supervisor/services.js';
import { startTestRedis } from '../../test/support/services.js';
import { waitFor } from '../../test/support/wait.js';
import { HostStore } from '../store/hosts.js';
import { natsPasswordHash, NatsHostUsers } from './nats-users.js';

describe('per-host NATS users', () => {
  let dir: string;
  let nats: RunningService;
  let redisService: RunningService;
  let redis: Redis;
  let users: NatsHostUsers;
  let hosts: HostStore;
  const token = 'slwh_host-one-secret-token-000000000000';

  const asHost = (hostId: string, pass: string) =>
    connect({ servers: nats.url, user: hostId, pass, inboxPrefix: inboxPrefix(hostId), maxReconnectAttempts: 0, reconnect: false });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-nats-users-'));
    const files = { authFile: join(dir, 'auth.conf'), pidFile: join(dir, 'nats.pid'), platformUsersFile: join(dir, 'platform-users.json') };
    const passwords = await platformNatsPasswords(files.platformUsersFile);
    nats = await startNats({ dataDir: dir, port: await freePort(), auth: { ...files, initialAuthorization: initialAuthorization(passwords) }});
    redisService = await startTestRedis();
    redis = new Redis(redisService.url);
    hosts = new HostStore(redis);
    users = new NatsHostUsers(files, hosts, silentLogger());
    await hosts.save({ id: 'host-one', provider: 'local', state: 'down', address: '', capacity: { memoryMb: 1, cpus: 1 }, lastHeartbeat: null, createdAt: new Date().toISOString() });
    await hosts.setNatsPasswordHash('host-one', natsPasswordHash(token));
    await users.sync();
  });

  afterAll(async () => {
    redis?.disconnect();
    await redisService?.stop();
    await nats?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('lets a host in with its own token and keeps it to its own subjects', async () => {
    const nc = await waitFor('host-one accepted after the reload', () => asHost('host-one', token).catch(() => null), 5000);
    const errors: string[] = [];
    const own = nc.subscribe(subjects.run('host-one'));
    const other = nc.subscribe(subjects.run('host-two'), { callback: (err) => err && errors.push(err.message) });
    await nc.flush();
    await waitFor('the permission violation', async () => errors.length > 0 || other.isClosed(), 5000);
    expect(own.isClosed()).toBe(false);
    await nc.close();
  });

  it('refuses unknown hosts and wrong tokens', async () => {
    await expect(asHost('host-two', token)).rejects.toThrow(/Authorization/i);
    await expect(asHost('host-one', `${token}x`)).rejects.toThrow(/Authorization/i);
  });

  it('cuts a revoked host off', async () => {
    const nc: NatsConnection = await asHost('host-one', token);
    await hosts.remove('host-one');
    await users.sync();
    await waitFor('the connection closed by the reload', async () => nc.isClosed(), 10_000);
    await expect(asHost('host-one', token)).rejects.toThrow(/Authorization/i);
  });
});
