// The control-plane host's user-data: content, cloud-init's schema, systemd, and the Redis
// config it writes, run on a real redis-server (loopback, own port) to prove the password holds.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freePort } from '../../common/ports.js';
import { ManagedProcess } from '../../common/managed-process.js';
import { parseCloudConfig } from './cloud-init.js';
import { loadControlPlaneConfig } from '../../control-plane/config.js';
import {
  API_ENV_FILE,
  API_SERVICE,
  apiEnvironment,
  NATS_AUTH_DIR,
  NATS_AUTH_FILE,
  NATS_PLATFORM_USERS_FILE,
  NATS_CONFIG_FILE,
  natsServerConfig,
  REDIS_CONFIG_FILE,
  redisServerConfig,
  renderControlPlaneUserData,
  type ControlPlaneUserDataInput,
} from './control-plane-user-data.js';
import { HOST_PATHS } from './docker-host.js';
import { DEFAULT_REDIS_MAXMEMORY_MB } from '../../common/redis-memory.js';
import { validateCloudConfig, systemdUnits, verifyUnits } from './testing/host-validators.js';
import { parseAwsHostSettings, type AwsHostSettings } from '../../host-providers/aws/hosts-settings.js';

const ENGINE_HOSTS: AwsHostSettings = {
  region: 'eu-west-1',
  engineGroupName: 'slipway-engine-0123abcd',
  engineCapacity: { memoryMb: 8192, cpus: 2 },
  enrollmentSecret: 'enrollment-secret-0123456789abcdef',
  enrollTimeoutMs: 900_000,
  endpoint: null,
};

const INPUT: ControlPlaneUserDataInput = {
  registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
  apiImage: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/slipway/production/api:0.1.0',
  apiPort: 5780,
  apiHostname: 'api.apps.example.com',
  domain: 'apps.example.com',
  appRepositoryPrefix: 'slipway/production/apps',
  adminToken: `slw_0123456789abcdef_${'B'.repeat(43)}`,
  natsPasswords: { controlPlane: 'cp-password-0123456789abcdef', router: 'router-password-0123456789ab' },
  redis: { kind: 'on-host', password: 'redis-password-0123456789ab' },
  engineHosts: ENGINE_HOSTS,
};

const userData = renderControlPlaneUserData(INPUT);
const doc = parseCloudConfig(userData);
const file = (path: string) => doc.write_files.find((f) => f.path === path);

describe('control-plane host user-data', () => {
  test('installs Docker, NATS and Redis from Debian and starts NATS, Redis and the API in that order', () => {
    expect(doc.packages).toEqual(expect.arrayContaining(['docker.io', 'nats-server', 'redis-server']));
    const starts = doc.runcmd.map((argv) => argv.join(' '));
    const at = (text: string) => starts.findIndex((line) => line.includes(text));
    expect(at('restart docker.service')).toBeLessThan(at('restart nats-server.service'));
    expect(at('restart nats-server.service')).toBeLessThan(at(`enable --now ${API_SERVICE}`));
    expect(at('restart redis-server.service')).toBeLessThan(at(`enable --now ${API_SERVICE}`));
  });

  test('the API unit reads the instance address from IMDSv2 at each start (its route through the routers)', () => {
    const unit = file(`/etc/systemd/system/${API_SERVICE}`)!.content;
    expect(unit).toContain(`ExecStartPre=${HOST_PATHS.instanceIdentityScript}`);
    expect(unit).toContain(`--env-file ${HOST_PATHS.instanceEnv}`);
  });

  test('NATS listens for the VPC with every user authenticated; its users file is the control plane\'s to rewrite', () => {
    expect(file(NATS_CONFIG_FILE)?.content).toContain('listen: "0.0.0.0:4222"');
    expect(file(NATS_CONFIG_FILE)?.content).toContain('http: "127.0.0.1:8222"');
    const auth = file(NATS_AUTH_FILE)!;
    expect(auth).toMatchObject({ permissions: '0640', owner: 'root:nats', defer: true });
    expect(auth.content).toContain('user: "control-plane", password: "cp-password-0123456789abcdef"');
    expect(auth.content).toContain('user: "router", password: "router-password-0123456789ab"');
    // engine hosts may enroll before the control plane's first rewrite of the file
    expect(auth.content).toContain(
      '{ user: "enroll", password: "enrollment-secret-0123456789abcdef", permissions: { publish: { allow: ["slipway.enroll"] }, subscribe: { allow: ["_INBOX_enroll.>"] } } }',
    );
    expect(file('/etc/systemd/system/slipway-nats-auth.path')?.content).toContain(`PathChanged=${NATS_AUTH_FILE}`);
    // the control plane (root, in its container) rewrites the file; nats (its group) must read it
    expect(doc.runcmd).toContainEqual(['install', '-d', '-o', 'root', '-g', 'nats', '-m', '2750', NATS_AUTH_DIR]);
    const starts = doc.runcmd.map((argv) => argv.join(' '));
    expect(starts.findIndex((line) => line.includes(NATS_AUTH_DIR))).toBeLessThan(starts.indexOf('systemctl restart nats-server.service'));
    expect(JSON.parse(file(NATS_PLATFORM_USERS_FILE)!.content)).toEqual(INPUT.natsPasswords);
    expect(file(NATS_PLATFORM_USERS_FILE)).toMatchObject({ permissions: '0600', owner: 'root:root' });
  });

  test('the API gets its config, the engine group and enrollment settings and the Docker socket (builds), not a TCP Docker API', () => {
    const env = apiEnvironment(INPUT);
    expect(env).toMatchObject({
      SLIPWAY_API_HOST: '0.0.0.0',
      SLIPWAY_API_PORT: '5780',
      SLIPWAY_API_HOSTNAME: 'api.apps.example.com',
      SLIPWAY_APPS_DOMAIN: 'apps.example.com',
      SLIPWAY_REDIS_URL: 'redis://:redis-password-0123456789ab@127.0.0.1:6379',
      SLIPWAY_NATS_URL: 'nats://control-plane:cp-password-0123456789abcdef@127.0.0.1:4222',
      SLIPWAY_REGISTRY: INPUT.registry,
      SLIPWAY_REGISTRY_REPOSITORY_PREFIX: 'slipway/production/apps',
      SLIPWAY_REGISTRY_STACK_REPOSITORY: 'slipway/production/apps/slipway.stack',
      SLIPWAY_HOST_PROVIDER: 'aws',
      SLIPWAY_LOCAL_HOSTS: '0',
    });
    // what the infra stack writes is exactly what the control plane parses back
    expect(parseAwsHostSettings(env)).toEqual(ENGINE_HOSTS);
    // the instance's address arrives at each start from IMDSv2, in the instance env file
    const config = loadControlPlaneConfig({ ...env, SLIPWAY_HOST_ADDRESS: '10.0.1.5' });
    expect(config.api.route).toEqual({ hostname: 'api.apps.example.com', address: '10.0.1.5' });
    expect(config.aws).toEqual(ENGINE_HOSTS);
    expect(config.natsAuth).toEqual({ authFile: NATS_AUTH_FILE, pidFile: null, platformUsersFile: NATS_PLATFORM_USERS_FILE });
    expect(config.localHosts.count).toBe(0);
    expect(config.registryRepositories).toEqual({ appPrefix: 'slipway/production/apps', stack: 'slipway/production/apps/slipway.stack' });
    // no Pulumi (or its state) on the control plane any more
    expect(Object.keys(env).filter((key) => /PULUMI|HOSTS_STACK|BACKEND/.test(key))).toEqual([]);
    expect(file(API_ENV_FILE)).toMatchObject({ permissions: '0600', owner: 'root:root' });
    const unit = file(`/etc/systemd/system/${API_SERVICE}`)!.content;
    expect(unit).toContain('--volume /var/run/docker.sock:/var/run/docker.sock');
    expect(unit).not.toContain(INPUT.adminToken);
    expect(unit).not.toContain(ENGINE_HOSTS.enrollmentSecret);
    expect(userData).not.toMatch(/tcp:\/\/|\b237[56]\b/);
  });

  test('with ElastiCache: no Redis package or config, TLS URL with the AUTH token', () => {
    const managed = { ...INPUT, redis: { kind: 'managed' as const, endpoint: 'master.x.cache.amazonaws.com', authToken: 'auth-token-0123456789abcdef' } };
    const managedDoc = parseCloudConfig(renderControlPlaneUserData(managed));
    expect(managedDoc.packages).not.toContain('redis-server');
    expect(managedDoc.write_files.map((f) => f.path)).not.toContain(REDIS_CONFIG_FILE);
    expect(apiEnvironment(managed).SLIPWAY_REDIS_URL).toBe('rediss://:auth-token-0123456789abcdef@master.x.cache.amazonaws.com:6379');
  });

  test('cloud-init\'s own schema accepts it', async () => {
    const result = await validateCloudConfig(userData);
    expect(result.output).toContain('Valid cloud-config');
    expect(result.valid).toBe(true);
  });

  test('systemd accepts its units', async () => {
    const units = systemdUnits(doc.write_files);
    expect(Object.keys(units)).toContain(API_SERVICE);
    expect(await verifyUnits(units, ['/usr/bin/docker-credential-ecr-login', HOST_PATHS.instanceIdentityScript])).toEqual([]);
  });
});

describe('the Redis it configures, on a real redis-server', () => {
  let dir: string;
  let server: ManagedProcess;
  let port: number;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-cp-redis-'));
    port = await freePort();
    await writeFile(join(dir, 'redis.conf'), redisServerConfig('redis-password-0123456789ab', { bind: '127.0.0.1', port, dir }));
    const lines: string[] = [];
    server = new ManagedProcess({ name: 'redis', argv: ['redis-server', join(dir, 'redis.conf')], onLine: (line) => lines.push(line) });
    await server.waitUntilReady(async () => lines.some((line) => line.includes('Ready to accept connections')), 20_000);
  });
  afterAll(async () => {
    await server?.stop(5000);
    await rm(dir, { recursive: true, force: true });
  });

  test('refuses clients without the password and serves those with it, with AOF on and bounded memory that evicts nothing', async () => {
    const anonymous = new Redis({ host: '127.0.0.1', port, lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    anonymous.on('error', () => undefined);
    await anonymous.connect();
    await expect(anonymous.ping()).rejects.toThrow(/NOAUTH/);
    anonymous.disconnect();
    const client = new Redis({ host: '127.0.0.1', port, password: 'redis-password-0123456789ab', lazyConnect: true, retryStrategy: () => null });
    await client.connect();
    expect(await client.ping()).toBe('PONG');
    expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    expect(await client.config('GET', 'maxmemory')).toEqual(['maxmemory', String(DEFAULT_REDIS_MAXMEMORY_MB * 1024 * 1024)]);
    expect(await client.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
    client.disconnect();
  });

  test('the NATS config it writes passes nats-server\'s own check', async () => {
    await writeFile(join(dir, 'nats.conf'), natsServerConfig());
    await mkdir(join(dir, 'auth'));
    await writeFile(join(dir, 'auth', 'auth.conf'), file(NATS_AUTH_FILE)!.content);
    const check = new ManagedProcess({ name: 'nats-check', argv: ['nats-server', '-t', '-c', join(dir, 'nats.conf')] });
    expect((await check.exited).code).toBe(0);
  });
});
