import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
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
import { REGISTRY_TOKEN_ISSUER, REGISTRY_TOKEN_SERVICE } from '../common/registry-token.js';
import { RegistryTokenSigner } from '../control-plane/registry/token-signer.js';
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

  it('the registry takes only tokens signed with the kept key, for the access they grant', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'slipway-registry-auth-'));
    dirs.push(dataDir);
    const port = await freePort();
    const login = await registryLogin(join(dataDir, 'secrets'), `127.0.0.1:${port}`);
    const realm = 'http://127.0.0.1:1/registry/token';
    const service = await startRegistry({
      dataDir,
      port,
      auth: { kind: 'token', realm, service: REGISTRY_TOKEN_SERVICE, issuer: REGISTRY_TOKEN_ISSUER, rootCertBundle: login.tokenKeys.certFile },
    });
    running.push(service);
    for (const file of [join(dataDir, 'secrets', 'password'), login.credentialsFile, login.tokenKeys.keyFile]) {
      expect((await stat(file)).mode & 0o777).toBe(0o600);
    }
    // kept: a second start finds the same key
    const keyPem = await readFile(login.tokenKeys.keyFile, 'utf8');
    expect(await readFile((await registryLogin(join(dataDir, 'secrets'), `127.0.0.1:${port}`)).tokenKeys.keyFile, 'utf8')).toBe(keyPem);

    const credentials = await registryCredentialsFromFile(login.credentialsFile, service.url)();
    for (const authorization of [undefined, basicAuthorization(credentials!)]) {
      const response = await fetch(`http://127.0.0.1:${port}/v2/_catalog`, { headers: authorization ? { authorization } : {} });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(`Bearer realm="${realm}",service="${REGISTRY_TOKEN_SERVICE}",scope="registry:catalog:*"`);
    }
    const signer = await RegistryTokenSigner.load(login.tokenKeys);
    const catalog = (token: string) => fetch(`http://127.0.0.1:${port}/v2/_catalog`, { headers: { authorization: `Bearer ${token}` } });
    expect((await catalog((await signer.sign('slipway', [{ type: 'registry', name: 'catalog', actions: ['*'] }])).token)).status).toBe(200);
    expect((await catalog((await signer.sign('someone', [{ type: 'repository', name: 'apps/web', actions: ['pull'] }])).token)).status).toBe(401);
    // a key the registry does not trust
    const other = await registryLogin(join(dataDir, 'other-secrets'), `127.0.0.1:${port}`);
    const forged = await (await RegistryTokenSigner.load(other.tokenKeys)).sign('slipway', [{ type: 'registry', name: 'catalog', actions: ['*'] }]);
    expect((await catalog(forged.token)).status).toBe(401);
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
