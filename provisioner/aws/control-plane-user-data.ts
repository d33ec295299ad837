// User-data of the control-plane host: NATS and (unless ElastiCache is used) Redis from
// Debian's packages, reachable from the VPC only and password-protected, and the Platform API
// as a container. The API also sizes the engine hosts' group and enrolls its instances, so it
// gets the group's settings and the enrollment secret; NATS starts with the `enroll` user.
import { controlPlaneEnvironment } from '../../common/env/control-plane.js';
import { envFile, renderCloudConfig, systemdCommandLine, systemdUnit, UserDataError, type CloudFile } from './cloud-init.js';
import { checkSecret } from './config.js';
import { containerServiceUnit, DOCKER_HOST_COMMANDS, DOCKER_HOST_PACKAGES, dockerHostFiles, HOST_PATHS, platformContainerOptions } from './docker-host.js';
import { natsUrl, NATS_PORT, REDIS_PORT, redisUrl, WAKE_PORT, type RedisTarget } from './endpoints.js';
import { awsHostEnvironment, type AwsHostSettings } from '../../host-providers/aws/hosts-settings.js';
import { isRepository } from '../../common/image-reference.js';
import { DEFAULT_REDIS_MAXMEMORY_MB, REDIS_MAXMEMORY_POLICY } from '../../common/redis-memory.js';
import { CONTROL_PLANE_NATS_USER, enrollNatsUser, platformNatsUsers, renderNatsAuthorization } from '../../common/nats-auth.js';

export interface ControlPlaneUserDataInput {
  registry: string;
  apiImage: string;
  apiPort: number;
  /** Public name of the Platform API, served through the routers (e.g. `api.example.com`). */
  apiHostname: string;
  /** Apps domain: `<app>.<domain>`. */
  domain: string;
  /** ECR repository prefix app images are pushed under, e.g. `slipway/apps`. */
  appRepositoryPrefix: string;
  adminToken: string;
  natsPasswords: { controlPlane: string; router: string };
  /** Redis on this host (with its password) or ElastiCache (endpoint and AUTH token). */
  redis: { kind: 'on-host'; password: string } | { kind: 'managed'; endpoint: string; authToken: string };
  /** The engine group, engine capacity and enrollment secret. */
  engineHosts: AwsHostSettings;
}

export const SLIPWAY_DATA_DIR = '/var/lib/slipway';
export const NATS_DIR = `${SLIPWAY_DATA_DIR}/nats`;
export const NATS_AUTH_DIR = `${NATS_DIR}/auth`;
/** The control plane rewrites this file as hosts join and leave; NATS reloads it. */
export const NATS_AUTH_FILE = `${NATS_AUTH_DIR}/auth.conf`;
/** The platform's own NATS passwords, which the control plane writes back with every rewrite. */
export const NATS_PLATFORM_USERS_FILE = `${NATS_DIR}/platform-users.json`;
export const NATS_CONFIG_FILE = `${NATS_DIR}/nats.conf`;
export const REDIS_CONFIG_FILE = '/etc/redis/slipway.conf';
export const API_ENV_FILE = '/etc/slipway/api.env';
export const API_SERVICE = 'slipway-api.service';
export const NATS_AUTH_PATH_UNIT = 'slipway-nats-auth.path';

export interface NatsServerAddresses {
  /** Client listener: every address (security groups decide who gets in). */
  listen: string;
  /** Monitoring endpoint: loopback only. */
  monitor: string;
  storeDir: string;
}

export const NATS_ON_AWS: NatsServerAddresses = {
  listen: `0.0.0.0:${NATS_PORT}`,
  monitor: '127.0.0.1:8222',
  storeDir: `${NATS_DIR}/jetstream`,
};

export function natsServerConfig(addresses: NatsServerAddresses = NATS_ON_AWS): string {
  return [
    "# Slipway NATS: security groups admit only the VPC's hosts, and every client authenticates.",
    `listen: "${addresses.listen}"`,
    `http: "${addresses.monitor}"`,
    'max_payload: 8MB',
    `jetstream { store_dir: "${addresses.storeDir}" }`,
    // nats-server resolves includes relative to this file (an absolute path would not work).
    'include "auth/auth.conf"',
    '',
  ].join('\n');
}

export interface RedisServerAddresses {
  bind: string;
  port: number;
  dir: string;
}

export const REDIS_ON_AWS: RedisServerAddresses = { bind: '0.0.0.0', port: REDIS_PORT, dir: '/var/lib/redis' };

export function redisServerConfig(password: string, addresses: RedisServerAddresses = REDIS_ON_AWS): string {
  return [
    '# Slipway Redis: reachable from the control plane and routers only (security groups), password required.',
    `bind ${addresses.bind}`,
    `port ${addresses.port}`,
    'protected-mode yes',
    `requirepass ${checkSecret('redis password', password)}`,
    'appendonly yes',
    // an acknowledged write is on disk (the usage ledger)
    'appendfsync always',
    'save ""',
    `maxmemory ${DEFAULT_REDIS_MAXMEMORY_MB}mb`,
    `maxmemory-policy ${REDIS_MAXMEMORY_POLICY}`,
    `dir ${addresses.dir}`,
    '',
  ].join('\n');
}

function execStartOverride(argv: readonly string[]): string {
  return systemdUnit({ Service: [['ExecStart', ''], ['ExecStart', systemdCommandLine(argv)]] });
}

export function apiEnvironment(input: ControlPlaneUserDataInput): Record<string, string> {
  if (!isRepository(input.appRepositoryPrefix)) {
    throw new UserDataError(`bad repository prefix: ${input.appRepositoryPrefix}`);
  }
  const redis: RedisTarget =
    input.redis.kind === 'on-host'
      ? { kind: 'on-host', host: '127.0.0.1', password: input.redis.password }
      : { kind: 'managed', host: input.redis.endpoint, password: input.redis.authToken };
  return {
    ...controlPlaneEnvironment({
      home: SLIPWAY_DATA_DIR,
      apiHost: '0.0.0.0',
      apiPort: input.apiPort,
      // the routers reach it across the VPC (security groups: routers only)
      wakePort: WAKE_PORT,
      wakeBind: '0.0.0.0',
      appsDomain: input.domain,
      apiHostname: input.apiHostname,
      bootstrapAdminToken: checkSecret('admin token', input.adminToken),
      redisUrl: redisUrl(redis),
      natsUrl: natsUrl(CONTROL_PLANE_NATS_USER, input.natsPasswords.controlPlane, `127.0.0.1:${NATS_PORT}`),
      // No pid file: nats-server runs outside the API's container; a path unit reloads it.
      natsAuth: { authFile: NATS_AUTH_FILE, platformUsersFile: NATS_PLATFORM_USERS_FILE },
      registry: input.registry,
      registryAuthFile: HOST_PATHS.registryAuthFile,
      // The stack under the apps' prefix, so ECR creates it on first push and the control plane
      // may push there; no app can be named so (app names have no dots).
      repositories: { appPrefix: input.appRepositoryPrefix, stack: `${input.appRepositoryPrefix}/slipway.stack` },
      hostProvider: 'aws',
      localHosts: 0,
    }),
    ...awsHostEnvironment(input.engineHosts),
  };
}

export function renderControlPlaneUserData(input: ControlPlaneUserDataInput): string {
  const onHostRedis = input.redis.kind === 'on-host';
  const apiUnit = containerServiceUnit({
    name: 'slipway-api',
    description: 'Slipway control plane (Platform API, builds, scheduler)',
    image: input.apiImage,
    runOptions: platformContainerOptions({
      // SLIPWAY_HOST_ADDRESS (IMDSv2, at each start): where the routers reach the API for SLIPWAY_API_HOSTNAME.
      envFiles: [API_ENV_FILE, HOST_PATHS.instanceEnv],
      // Builds run in containers on this host, so the API holds the Docker socket anyway.
      dropCapabilities: false,
      volumes: [
        '/var/run/docker.sock:/var/run/docker.sock',
        `${SLIPWAY_DATA_DIR}:${SLIPWAY_DATA_DIR}`,
        `${HOST_PATHS.registryAuthDir}:${HOST_PATHS.registryAuthDir}:ro`,
      ],
    }),
    after: ['nats-server.service', ...(onHostRedis ? ['redis-server.service'] : [])],
    execStartPre: [[HOST_PATHS.instanceIdentityScript]],
  });
  const files: CloudFile[] = [
    ...dockerHostFiles(input.registry),
    { path: API_ENV_FILE, content: envFile(apiEnvironment(input)), permissions: '0600' },
    { path: `/etc/systemd/system/${API_SERVICE}`, content: apiUnit, permissions: '0644' },
    { path: NATS_CONFIG_FILE, content: natsServerConfig(), permissions: '0640', owner: 'root:nats', defer: true },
    {
      path: NATS_AUTH_FILE,
      // The enroll user from the start: engine hosts may boot before the API's first rewrite.
      content: renderNatsAuthorization([...platformNatsUsers(input.natsPasswords), enrollNatsUser(input.engineHosts.enrollmentSecret)]),
      permissions: '0640',
      owner: 'root:nats',
      defer: true,
    },
    {
      path: NATS_PLATFORM_USERS_FILE,
      content: JSON.stringify({
        controlPlane: checkSecret('control-plane NATS password', input.natsPasswords.controlPlane),
        router: checkSecret('router NATS password', input.natsPasswords.router),
      }),
      permissions: '0600',
    },
    {
      path: '/etc/systemd/system/nats-server.service.d/10-slipway.conf',
      content: execStartOverride(['/usr/sbin/nats-server', '-c', NATS_CONFIG_FILE]),
      permissions: '0644',
    },
    {
      path: `/etc/systemd/system/${NATS_AUTH_PATH_UNIT}`,
      content: systemdUnit({
        Unit: [['Description', 'Reload NATS when the control plane rewrites its users']],
        Path: [['PathChanged', NATS_AUTH_FILE]],
        Install: [['WantedBy', 'multi-user.target']],
      }),
      permissions: '0644',
    },
    {
      path: '/etc/systemd/system/slipway-nats-auth.service',
      content: systemdUnit({
        Unit: [['Description', 'Reload NATS users']],
        Service: [['Type', 'oneshot'], ['ExecStart', systemdCommandLine(['/usr/bin/systemctl', 'reload', 'nats-server.service'])]],
      }),
      permissions: '0644',
    },
  ];
  if (input.redis.kind === 'on-host') {
    files.push(
      { path: REDIS_CONFIG_FILE, content: redisServerConfig(input.redis.password), permissions: '0640', owner: 'root:redis', defer: true },
      {
        path: '/etc/systemd/system/redis-server.service.d/10-slipway.conf',
        content: execStartOverride(['/usr/bin/redis-server', REDIS_CONFIG_FILE, '--supervised', 'systemd', '--daemonize', 'no']),
        permissions: '0644',
      },
    );
  }
  return renderCloudConfig({
    packages: [...DOCKER_HOST_PACKAGES, 'nats-server', ...(onHostRedis ? ['redis-server'] : [])],
    files,
    commands: [
      ...DOCKER_HOST_COMMANDS,
      ['install', '-d', '-o', 'nats', '-g', 'nats', '-m', '0750', `${NATS_DIR}/jetstream`],
      // setgid: the users file the API (root, in its container) rewrites stays readable by nats.
      ['install', '-d', '-o', 'root', '-g', 'nats', '-m', '2750', NATS_AUTH_DIR],
      ['systemctl', 'restart', 'nats-server.service'],
      ['systemctl', 'enable', '--now', NATS_AUTH_PATH_UNIT],
      ...(onHostRedis ? [['systemctl', 'restart', 'redis-server.service']] : []),
      ['systemctl', 'enable', '--now', API_SERVICE],
    ],
  });
}
