// The agent's configuration, read once from the environment by main.ts. Capacity defaults to
// this machine's, which the caller measures and passes in (so parsing stays pure).
import { availableParallelism, totalmem } from 'node:os';
import { z } from 'zod';
import { flag, parseEnv, url, type Env } from '../common/config.js';
import { inboxPrefix } from '../common/nats-auth.js';
import { natsServerOptions } from '../common/nats-url.js';
import type { HostCapacity } from '../common/types.js';

export const DEFAULT_HEARTBEAT_MS = 2000;
export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';
export const DEFAULT_HOST_ADDRESS = '127.0.0.1';

const schema = z.object({
  /** Goes into NATS subjects and Docker labels: no dots, wildcards or spaces. */
  SLIPWAY_HOST_ID: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, "-" and "_" only (at most 64)'),
  SLIPWAY_HOST_TOKEN: z.string().min(1),
  SLIPWAY_NATS_URL: url,
  /** host:port the agent pulls images from (plain HTTP). */
  SLIPWAY_REGISTRY: z.string().regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, 'host:port'),
  /** The private address container ports are published on (an IP: Docker binds it). */
  SLIPWAY_HOST_ADDRESS: z.union([z.ipv4(), z.ipv6()]).default(DEFAULT_HOST_ADDRESS),
  SLIPWAY_DOCKER_SOCKET: z.string().min(1).default(DEFAULT_DOCKER_SOCKET),
  SLIPWAY_HOST_MEMORY_MB: z.coerce.number().int().positive().optional(),
  SLIPWAY_HOST_CPUS: z.coerce.number().positive().optional(),
  SLIPWAY_HEARTBEAT_MS: z.coerce.number().int().min(100).default(DEFAULT_HEARTBEAT_MS),
  SLIPWAY_AGENT_STOP_INSTANCES_ON_EXIT: flag.default(false),
  SLIPWAY_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
});

export interface AgentConfig {
  hostId: string;
  /** The host's secret: sent to the control plane, never logged. */
  token: string;
  /** May carry NATS credentials: never logged. */
  natsUrl: string;
  registry: string;
  address: string;
  dockerSocket: string;
  capacity: HostCapacity;
  heartbeatMs: number;
  stopInstancesOnExit: boolean;
  logLevel: string;
}

/** Parses the agent's environment; `machine` is this machine's capacity, the default. */
export function parseAgentConfig(env: Env, machine: HostCapacity): AgentConfig {
  const parsed = parseEnv(schema, env);
  return {
    hostId: parsed.SLIPWAY_HOST_ID,
    token: parsed.SLIPWAY_HOST_TOKEN,
    natsUrl: parsed.SLIPWAY_NATS_URL,
    registry: parsed.SLIPWAY_REGISTRY,
    address: parsed.SLIPWAY_HOST_ADDRESS,
    dockerSocket: parsed.SLIPWAY_DOCKER_SOCKET,
    capacity: {
      memoryMb: parsed.SLIPWAY_HOST_MEMORY_MB ?? machine.memoryMb,
      cpus: parsed.SLIPWAY_HOST_CPUS ?? machine.cpus,
    },
    heartbeatMs: parsed.SLIPWAY_HEARTBEAT_MS,
    stopInstancesOnExit: parsed.SLIPWAY_AGENT_STOP_INSTANCES_ON_EXIT,
    logLevel: parsed.SLIPWAY_LOG_LEVEL,
  };
}

/** What the agent may say about its config in a log line (no token, no NATS URL). */
export function describeConfig(config: AgentConfig): Record<string, unknown> {
  return {
    hostId: config.hostId,
    registry: config.registry,
    address: config.address,
    dockerSocket: config.dockerSocket,
    capacity: config.capacity,
    heartbeatMs: config.heartbeatMs,
    stopInstancesOnExit: config.stopInstancesOnExit,
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
