import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { connect } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestNats, startTestRedis, startTestRegistry } from '../test/support/services.js';
import { freePort } from '../common/ports.js';
import { basicAuthorization, registryCredentialsFromFile } from '../common/registry-auth.js';
import { rawRedisReplies } from '../test/support/raw-redis.js';
import { waitFor } from '../test/support/wait.js';
import { keptSecret, registryLogin } from './service-secrets.js';
import { startRedis, startRegistry, type RunningService } from './services.js';

describe('own instances of Redis, NATS and the registry', () => {
  const services: RunningService[] = [];
  beforeAll(async () => {
    services.push(await startTestRedis(), await startTestNats(), await startTestRegistry());
  });
  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
  });

  it('runs Redis with AOF persistence on loopback', async () => {
    const redis = new Redis(services[0]!.url);
    try {
      expect(await redis.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      expect(await redis.config('GET', 'bind')).toEqual(['bind', '127.0.0.1']);
    } finally {
      redis.disconnect();
    }
  });

  it('runs NATS with JetStream enabled', async () => {
    const nc = await connect({ servers: services[1]!.url });
    try {
      const jsm = await nc.jetstreamManager();
      const info = await jsm.getAccountInfo();
      expect(info.limits).toBeDefined();
    } finally {
      await nc.close();
    }
  });

  it('runs a registry that answers the v2 API', async () => {
    const response = await fetch(`http://${services[2]!.url}/v2/`);
    expect(response.status).toBe(200);
  });
});

describe("the platform's Redis and registry, with a password", () => {
  const dirs: string[] = [];
  const running: RunningService[] = [];
  afterAll(async () => {
    await Promise.all(running.map((s) => s.stop()));
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('Redis refuses commands before AUTH, from a config file only its owner reads (the password is not in argv)', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'slipway-redis-auth-'));
    dirs.push(dataDir);
    const password = await keptSecret(join(dataDir, 'secrets', 'redis-password'));
    const service = await startRedis({ dataDir, port: await freePort(), auth: { password } });
    running.push(service);
    expect(service.process.child.spawnargs.join(' ')).not.toContain(password);
    expect((await stat(join(dataDir, 'auth.conf'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dataDir, 'secrets', 'redis-password'))).mode & 0o777).toBe(0o600);
    const port = Number(new URL(service.url).port);
    const [set, keys, auth] = await rawRedisReplies(port, ['SET slipway:users:x admin', 'KEYS *', 'AUTH guess']);
    expect(set).toMatch(/^-NOAUTH/);
    expect(keys).toMatch(/^-NOAUTH/);
    expect(auth).toMatch(/^-(WRONGPASS|ERR invalid password)/);
    const authed = new Redis(service.url);
    try {
      expect(await authed.set('k', 'v')).toBe('OK');
    } finally {
      authed.disconnect();
    }
    // kept: a second start reads the same password
    expect(await keptSecret(join(dataDir, 'secrets', 'redis-password'))).toBe(password);
  });

  it('the registry refuses anonymous pulls; the credentials file it writes gets in', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'slipway-registry-auth-'));
    dirs.push(dataDir);
    const port = await freePort();
    const login = await registryLogin(join(dataDir, 'secrets'), `127.0.0.1:${port}`);
    const service = await startRegistry({ dataDir, port, login });
    running.push(service);
    for (const file of [join(dataDir, 'secrets', 'password'), login.htpasswdFile, login.credentialsFile]) {
      expect((await stat(file)).mode & 0o777).toBe(0o600);
    }
    for (const path of ['/v2/', '/v2/_catalog', '/v2/apps/web/manifests/latest']) {
      expect((await fetch(`http://127.0.0.1:${port}${path}`)).status).toBe(401);
    }
    const credentials = await registryCredentialsFromFile(login.credentialsFile, service.url)();
    const response = await fetch(`http://127.0.0.1:${port}/v2/_catalog`, { headers: { authorization: basicAuthorization(credentials!) } });
    expect(response.status).toBe(200);
  });
});

describe('a supervised service', () => {
  it('comes back on its port and data after kill -9', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'slipway-redis-supervised-'));
    const reports: string[] = [];
    const service = await startRedis({ dataDir, port: await freePort(), supervise: (line) => reports.push(line) });
    try {
      const first = service.process;
      const client = new Redis(service.url, { maxRetriesPerRequest: null });
      try {
        await client.set('kept', 'yes');
        first.child.kill('SIGKILL');
        await first.exited;
        await waitFor('redis back', async () => service.process !== first && (await client.ping().catch(() => null)) === 'PONG', 15_000);
        expect(await client.get('kept')).toBe('yes');
      } finally {
        client.disconnect();
      }
      expect(reports).toEqual(['redis exited unexpectedly (SIGKILL); restarting it in 1 s']);
    } finally {
      await service.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
