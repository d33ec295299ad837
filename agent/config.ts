// The agent's configuration, read once from the environment by main.ts. Capacity defaults to
// this machine's, which the caller measures and passes in (so parsing stays pure).
import type { AgentEnvKey } from '../common/env/agent.js';
import type { EveryKeyParsed } from '../common/env/keys.js';
import { availableParallelism, totalmem } from 'node:os';
import { z } from 'zod';
import { flag, parseEnv, url, type Env } from '../common/config.js';
import { ENROLLMENT_SECRET, INSTANCE_ID } from '../common/enrollment.js';
import { ConfigError } from '../common/errors.js';
import { DEFAULT_ADDON_SUBNETS, subnetRangeProblem } from '../common/networks.js';
import { inboxPrefix } from '../common/nats-auth.js';
import { natsServerOptions, natsUrlWithCredentials } from '../common/nats-url.js';
import type { HostCapacity } from '../common/types.js';

export const DEFAULT_HEARTBEAT_MS = 2000;
export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';
export const DEFAULT_HOST_ADDRESS = '127.0.0.1';

const schema = z.object({
  /** Goes into NATS subjects and Docker labels: no dots, wildcards or spaces. */
  SLIPWAY_HOST_ID: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, "-" and "_" only (at most 64)'),
  SLIPWAY_HOST_TOKEN: z.string().min(1),
  SLIPWAY_NATS_URL: url,
  /** host[:port] the agent pulls images from (the Engine picks HTTPS, or plain HTTP for loopback and its insecure-registries). */
  SLIPWAY_REGISTRY: z.string().regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, 'host:port'),
  /** Credential-helper JSON ({"ServerURL","Username","Secret"}) for the registry, read at each pull (ECR). */
  SLIPWAY_REGISTRY_AUTH_FILE: z.string().startsWith('/', 'an absolute path').optional(),
  /** The private address container ports are published on (an IP: Docker binds it). */
  SLIPWAY_HOST_ADDRESS: z.union([z.ipv4(), z.ipv6()]).default(DEFAULT_HOST_ADDRESS),
  SLIPWAY_DOCKER_SOCKET: z.string().min(1).default(DEFAULT_DOCKER_SOCKET),
  SLIPWAY_HOST_MEMORY_MB: z.coerce.number().int().positive().optional(),
  SLIPWAY_HOST_CPUS: z.coerce.number().positive().optional(),
  SLIPWAY_HEARTBEAT_MS: z.coerce.number().int().min(100).default(DEFAULT_HEARTBEAT_MS),
  /** How often the dynos' memory and CPU are sampled and sent (`slipway metrics`). */
  SLIPWAY_METRICS_INTERVAL_MS: z.coerce.number().int().min(1000).default(30_000),
  SLIPWAY_AGENT_STOP_INSTANCES_ON_EXIT: flag.default(false),
  SLIPWAY_AGENT_EXIT_WITH_LAUNCHER: flag.default(false),
  SLIPWAY_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  /** Where add-on networks take their subnets (a /25 each): change it where the hosts' own network uses 10.213/16. */
  SLIPWAY_ADDON_SUBNETS: z
    .string()
    .default(DEFAULT_ADDON_SUBNETS)
    .superRefine((range, ctx) => {
      const problem = subnetRangeProblem(range);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
});

export interface AgentConfig {
  hostId: string;
  /** The host's secret: sent to the control plane, never logged. */
  token: string;
  /** May carry NATS credentials: never logged. */
  natsUrl: string;
  registry: string;
  /** Where the registry credentials are (read at each pull, never logged), or null for an open registry. */
  registryAuthFile: string | null;
  address: string;
  dockerSocket: string;
  capacity: HostCapacity;
  /** This machine's CPUs: the most Docker gives one container (a booting instance's ceiling). */
  machineCpus: number;
  heartbeatMs: number;
  metricsMs: number;
  stopInstancesOnExit: boolean;
  /** Exit (leaving instances to be adopted) when the launcher's lifeline on stdin closes. */
  exitWithLauncher: boolean;
  logLevel: string;
  /** The range add-on networks take their subnets from. */
  addonSubnets: string;
}

/** Parses the agent's environment; `machine` is this machine's capacity, the default. */
export function parseAgentConfig(env: Env, machine: HostCapacity): AgentConfig {
  const parsed = parseEnv(schema, env);
  return {
    hostId: parsed.SLIPWAY_HOST_ID,
    token: parsed.SLIPWAY_HOST_TOKEN,
    natsUrl: parsed.SLIPWAY_NATS_URL,
    registry: parsed.SLIPWAY_REGISTRY,
    registryAuthFile: parsed.SLIPWAY_REGISTRY_AUTH_FILE ?? null,
    address: parsed.SLIPWAY_HOST_ADDRESS,
    dockerSocket: parsed.SLIPWAY_DOCKER_SOCKET,
    capacity: {
      memoryMb: parsed.SLIPWAY_HOST_MEMORY_MB ?? machine.memoryMb,
      cpus: parsed.SLIPWAY_HOST_CPUS ?? machine.cpus,
    },
    machineCpus: machine.cpus,
    heartbeatMs: parsed.SLIPWAY_HEARTBEAT_MS,
    metricsMs: parsed.SLIPWAY_METRICS_INTERVAL_MS,
    stopInstancesOnExit: parsed.SLIPWAY_AGENT_STOP_INSTANCES_ON_EXIT,
    exitWithLauncher: parsed.SLIPWAY_AGENT_EXIT_WITH_LAUNCHER,
    logLevel: parsed.SLIPWAY_LOG_LEVEL,
    addonSubnets: parsed.SLIPWAY_ADDON_SUBNETS,
  };
}

/** What the agent may say about its config in a log line (no token, no NATS URL). */
export function describeConfig(config: AgentConfig): Record<string, unknown> {
  return {
    hostId: config.hostId,
    registry: config.registry,
    registryAuthFile: config.registryAuthFile,
    address: config.address,
    dockerSocket: config.dockerSocket,
    capacity: config.capacity,
    heartbeatMs: config.heartbeatMs,
    stopInstancesOnExit: config.stopInstancesOnExit,
    exitWithLauncher: config.exitWithLauncher,
    addonSubnets: config.addonSubnets,
  };
}

/** This machine's memory and CPUs: the default capacity a host offers. */
export function machineCapacity(): HostCapacity {
  return { memoryMb: Math.floor(totalmem() / (1024 * 1024)), cpus: availableParallelism() };
}

/** How the agent connects to NATS: reconnecting forever (through auth errors too: the
 *  operator may restore revoked credentials), with replies to an inbox prefix of its own
 *  (per-host NATS permissions let a host read only `_INBOX_<hostId>.>`). Credentials ride in
 *  SLIPWAY_NATS_URL (nats://<user>:<password>@host:port); nats.js ignores credentials in a
 *  server URL, so they move into the options here. */
export function natsConnectionOptions(config: AgentConfig) {
  return {
    ...natsServerOptions(config.natsUrl),
    inboxPrefix: inboxPrefix(config.hostId),
    name: `slipway-agent-${config.hostId}`,
    maxReconnectAttempts: -1,
    ignoreAuthErrorAbort: true,
    waitOnFirstConnect: true,
  };
}

export const DEFAULT_HOST_FILE = '/var/lib/slipway/agent/host.json';

const enrollmentSchema = z.object({
  /** Shared by every instance of the engine hosts' auto scaling group: a secret. */
  SLIPWAY_ENROLLMENT_SECRET: z.string().regex(ENROLLMENT_SECRET, '16-512 characters of A-Z a-z 0-9 . _ ~ -'),
  /** This EC2 instance's id (the host writes it from IMDSv2). */
  SLIPWAY_INSTANCE_ID: z.string().regex(INSTANCE_ID, 'an EC2 instance id such as i-0123456789abcdef0'),
  SLIPWAY_HOST_ADDRESS: z.union([z.ipv4(), z.ipv6()]),
  /** Where the identity the control plane issued is kept (root only, 0600). */
  SLIPWAY_HOST_FILE: z.string().startsWith('/').default(DEFAULT_HOST_FILE),
  SLIPWAY_NATS_URL: url,
  SLIPWAY_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
});

/** How an agent without an identity of its own gets one (engine hosts of an auto scaling group). */
export interface EnrollmentSettings {
  /** Never logged. */
  secret: string;
  instanceId: string;
  address: string;
  hostFile: string;
  /** NATS server (credentials in it, if any, are replaced by the enroll user's). */
  natsUrl: string;
  logLevel: string;
}

/** The enrollment settings when SLIPWAY_ENROLLMENT_SECRET is set, else null (the host id and token come from the env). */
export function parseEnrollmentSettings(env: Env): EnrollmentSettings | null {
  if (env.SLIPWAY_ENROLLMENT_SECRET === undefined) return null;
  if (env.SLIPWAY_HOST_ID !== undefined || env.SLIPWAY_HOST_TOKEN !== undefined) {
    throw new ConfigError('invalid configuration: set either SLIPWAY_ENROLLMENT_SECRET or SLIPWAY_HOST_ID and SLIPWAY_HOST_TOKEN, not both');
  }
  const parsed = parseEnv(enrollmentSchema, env);
  return {
    secret: parsed.SLIPWAY_ENROLLMENT_SECRET,
    instanceId: parsed.SLIPWAY_INSTANCE_ID,
    address: parsed.SLIPWAY_HOST_ADDRESS,
    hostFile: parsed.SLIPWAY_HOST_FILE,
    natsUrl: parsed.SLIPWAY_NATS_URL,
    logLevel: parsed.SLIPWAY_LOG_LEVEL,
  };
}

/** The environment with an enrolled identity in it: the host's id and token, and NATS as itself. */
export function withHostIdentity(env: Env, identity: { hostId: string; token: string }): Env {
  const { SLIPWAY_ENROLLMENT_SECRET: _secret, ...rest } = env;
  return {
    ...rest,
    SLIPWAY_HOST_ID: identity.hostId,
    SLIPWAY_HOST_TOKEN: identity.token,
    SLIPWAY_NATS_URL: natsUrlWithCredentials(env.SLIPWAY_NATS_URL ?? '', identity.hostId, identity.token),
  };
}

/** Every key the launchers write (common/env/agent.ts) is one of these schemas'. */
export const READS_EVERY_WRITTEN_KEY: EveryKeyParsed<AgentEnvKey, keyof z.input<typeof schema> | keyof z.input<typeof enrollmentSchema>> = true;
