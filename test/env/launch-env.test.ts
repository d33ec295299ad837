// Each component's env writer (common/env/, and the push hook's beside it) against the
// parser that reads it: what a launcher writes comes back as the same typed settings.
import { describe, expect, test } from 'vitest';
import { parseAgentConfig, parseEnrollmentSettings } from '../../agent/config.js';
import { agentEnvironment } from '../../common/env/agent.js';
import { controlPlaneEnvironment } from '../../common/env/control-plane.js';
import { routerEnvironment } from '../../common/env/router.js';
import { loadControlPlaneConfig } from '../../control-plane/config.js';
import { loadRouterConfig } from '../../router/config.js';
import { componentEnvironments } from '../../supervisor/component-env.js';
import { loadSupervisorConfig } from '../../supervisor/config.js';

const machine = { memoryMb: 8192, cpus: 4 };

describe('agent', () => {
  test('a local host: identity, capacity and options round-trip', () => {
    const env = agentEnvironment({
      identity: { hostId: 'local-1a2b', hostToken: 'host-token-secret' },
      natsUrl: 'nats://local-1a2b:pw@127.0.0.1:5791',
      registry: '127.0.0.1:5792',
      registryAuthFile: '/srv/slipway/registry-auth.json',
      hostAddress: '127.0.0.1',
      capacity: { memoryMb: 2048, cpus: 1.5 },
      heartbeatMs: 500,
      stopInstancesOnExit: true,
      exitWithLauncher: true,
    });
    expect(parseAgentConfig(env, machine)).toMatchObject({
      hostId: 'local-1a2b',
      token: 'host-token-secret',
      natsUrl: 'nats://local-1a2b:pw@127.0.0.1:5791',
      registry: '127.0.0.1:5792',
      registryAuthFile: '/srv/slipway/registry-auth.json',
      address: '127.0.0.1',
      capacity: { memoryMb: 2048, cpus: 1.5 },
      heartbeatMs: 500,
      stopInstancesOnExit: true,
      exitWithLauncher: true,
    });
  });

  test('unset options leave the parser its defaults (the machine, no auth file)', () => {
    const env = agentEnvironment({ identity: { hostId: 'h-1', hostToken: 't' }, natsUrl: 'nats://127.0.0.1:4222', registry: '127.0.0.1:5000' });
    expect(parseAgentConfig(env, machine)).toMatchObject({ capacity: machine, registryAuthFile: null, stopInstancesOnExit: false, exitWithLauncher: false });
  });

  test('an enrolling host (AWS): the secret and host file round-trip', () => {
    const env = agentEnvironment({
      identity: { enrollmentSecret: 'enrollment-secret-0123456789', hostFile: '/var/lib/slipway/host.json' },
      natsUrl: 'nats://10.0.1.5:4222',
      registry: '123456789012.dkr.ecr.us-east-1.amazonaws.com',
      dockerSocket: '/var/run/docker.sock',
    });
    const perStart = { SLIPWAY_INSTANCE_ID: 'i-0123456789abcdef0', SLIPWAY_HOST_ADDRESS: '10.0.1.9' };
    expect(parseEnrollmentSettings({ ...env, ...perStart })).toMatchObject({
      secret: 'enrollment-secret-0123456789',
      instanceId: 'i-0123456789abcdef0',
      address: '10.0.1.9',
    });
  });
});

test('router: every setting a launcher writes round-trips', () => {
  const env = routerEnvironment({
    home: '/srv/slipway',
    redisUrl: 'redis://:pw@127.0.0.1:5790',
    natsUrl: 'nats://router:pw@127.0.0.1:5791',
    appsDomain: 'apps.example.com',
    bind: '0.0.0.0',
    httpPort: 8080,
    httpsPort: 8443,
    metricsPort: 9100,
    stateDir: '/srv/slipway/router',
    logLevel: 'debug',
  });
  expect(loadRouterConfig(env)).toMatchObject({
    logLevel: 'debug',
    redisUrl: 'redis://:pw@127.0.0.1:5790',
    natsUrl: 'nats://router:pw@127.0.0.1:5791',
    appsDomain: 'apps.example.com',
    bind: '0.0.0.0',
    httpPort: 8080,
    httpsPort: 8443,
    metricsPort: 9100,
    stateDir: '/srv/slipway/router',
  });
  expect(loadRouterConfig(routerEnvironment({ home: '/srv/s', redisUrl: 'redis://127.0.0.1:1', natsUrl: 'nats://127.0.0.1:2' })).stateDir).toBe('/srv/s/router');
});

test('control plane: every setting a launcher writes round-trips', () => {
  const env = controlPlaneEnvironment({
    home: '/srv/slipway',
    redisUrl: 'redis://:pw@127.0.0.1:5790',
    natsUrl: 'nats://control-plane:pw@127.0.0.1:5791',
    natsAuth: { authFile: '/srv/slipway/nats/auth.conf', platformUsersFile: '/srv/slipway/nats/platform.json', pidFile: '/srv/slipway/nats/nats.pid' },
    registry: '127.0.0.1:5792',
    registryAuthFile: '/srv/slipway/registry-auth.json',
    registryTokenKeys: { keyFile: '/srv/slipway/token-key.pem', certFile: '/srv/slipway/token-cert.pem' },
    repositories: { appPrefix: 'tenants', stack: 'tenants/slipway.stack' },
    apiHost: '0.0.0.0',
    apiPort: 5780,
    appsDomain: 'apps.example.com',
    routerUrl: 'http://127.0.0.1:5781',
    bootstrapAdminToken: 'slw_0123456789abcdef_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    hostProvider: 'local',
    localHosts: 2,
    logLevel: 'warn',
  });
  expect(loadControlPlaneConfig(env)).toMatchObject({
    home: '/srv/slipway',
    redisUrl: 'redis://:pw@127.0.0.1:5790',
    natsUrl: 'nats://control-plane:pw@127.0.0.1:5791',
    natsAuth: { authFile: '/srv/slipway/nats/auth.conf', platformUsersFile: '/srv/slipway/nats/platform.json', pidFile: '/srv/slipway/nats/nats.pid' },
    registry: '127.0.0.1:5792',
    registryAuthFile: '/srv/slipway/registry-auth.json',
    registryToken: { keyFile: '/srv/slipway/token-key.pem', certFile: '/srv/slipway/token-cert.pem' },
    registryRepositories: { appPrefix: 'tenants', stack: 'tenants/slipway.stack' },
    api: { host: '0.0.0.0', port: 5780 },
    appsDomain: 'apps.example.com',
    routerUrl: 'http://127.0.0.1:5781',
    bootstrapAdminToken: 'slw_0123456789abcdef_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    localHosts: { count: 2 },
    logLevel: 'warn',
    aws: null,
  });
});

test('control plane: the API hostname round-trips with the address written at each start', () => {
  const env = controlPlaneEnvironment({ home: '/srv/s', redisUrl: 'redis://127.0.0.1:1', natsUrl: 'nats://127.0.0.1:2', registry: '127.0.0.1:3', apiHostname: 'api.example.com' });
  expect(loadControlPlaneConfig({ ...env, SLIPWAY_HOST_ADDRESS: '10.0.1.7' }).api.route).toEqual({ hostname: 'api.example.com', address: '10.0.1.7' });
});

test("single node: the launcher's Redis password and registry credentials file reach the control plane, the router and, through it, the agents", () => {
  const config = loadSupervisorConfig({ SLIPWAY_HOME: '/srv/slipway' });
  const { controlPlane, router } = componentEnvironments(config, {
    redisUrl: 'redis://:redis-secret@127.0.0.1:5790',
    natsUrls: { controlPlane: 'nats://control-plane:a@127.0.0.1:5791', router: 'nats://router:b@127.0.0.1:5791' },
    natsAuth: { authFile: '/srv/slipway/nats/auth.conf', pidFile: '/srv/slipway/nats/nats.pid', platformUsersFile: '/srv/slipway/nats/platform-users.json' },
    registry: '127.0.0.1:5792',
    registryAuthFile: '/srv/slipway/secrets/registry/credentials.json',
    registryTokenKeys: { keyFile: '/srv/slipway/secrets/registry/token-key.pem', certFile: '/srv/slipway/secrets/registry/token-cert.pem' },
    routerUrl: 'http://127.0.0.1:5781',
    adminToken: 'slw_0123456789abcdef_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    rendezvousCertificate: { keyFile: '/srv/slipway/secrets/rendezvous/key.pem', certFile: '/srv/slipway/secrets/rendezvous/cert.pem' },
  });
  const cp = loadControlPlaneConfig(controlPlane);
  expect(cp).toMatchObject({
    redisUrl: 'redis://:redis-secret@127.0.0.1:5790',
    natsUrl: 'nats://control-plane:a@127.0.0.1:5791',
    registry: '127.0.0.1:5792',
    registryAuthFile: '/srv/slipway/secrets/registry/credentials.json',
    registryToken: { keyFile: '/srv/slipway/secrets/registry/token-key.pem', certFile: '/srv/slipway/secrets/registry/token-cert.pem' },
    api: { port: 5780 },
    routerUrl: 'http://127.0.0.1:5781',
    rendezvous: { port: 5785, keyFile: '/srv/slipway/secrets/rendezvous/key.pem', certFile: '/srv/slipway/secrets/rendezvous/cert.pem', host: null },
  });
  expect(loadRouterConfig(router)).toMatchObject({ redisUrl: 'redis://:redis-secret@127.0.0.1:5790', natsUrl: 'nats://router:b@127.0.0.1:5791', stateDir: config.dirs.router });
  // the control plane hands the same file to its local agents (host-providers/local)
  const agent = agentEnvironment({ identity: { hostId: 'local-1', hostToken: 't' }, natsUrl: 'nats://127.0.0.1:5791', registry: cp.registry, registryAuthFile: cp.registryAuthFile ?? undefined });
  expect(parseAgentConfig(agent, machine).registryAuthFile).toBe('/srv/slipway/secrets/registry/credentials.json');
});
