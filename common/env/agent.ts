// The agent's environment as its launchers write it (the local host provider, the AWS engine
// hosts' user data): typed here, below both, and read back by agent/config.ts, whose schemas
// are checked at compile time to parse every key written here.
import type { HostCapacity } from '../types.js';

/** How the agent gets its host identity: given (local hosts), or by enrolling (AWS). */
export type AgentIdentity = { hostId: string; hostToken: string } | { enrollmentSecret: string; hostFile: string };

export interface AgentLaunchSettings {
  identity: AgentIdentity;
  natsUrl: string;
  /** host[:port] of the platform registry */
  registry: string;
  registryAuthFile?: string;
  /** where the host's published ports are reached (when the launcher knows it) */
  hostAddress?: string;
  /** the capacity to offer (default: the machine's) */
  capacity?: HostCapacity;
  dockerSocket?: string;
  heartbeatMs?: number;
  stopInstancesOnExit?: boolean;
  /** the agent exits when its launcher's lifeline (stdin) closes: local hosts, whose agents
   *  live and die with the control plane that started them */
  exitWithLauncher?: boolean;
  /** the range add-on networks take their subnets from (default: the agent's) */
  addonSubnets?: string;
}

export type AgentEnvKey =
  | 'SLIPWAY_HOST_ID'
  | 'SLIPWAY_HOST_TOKEN'
  | 'SLIPWAY_ENROLLMENT_SECRET'
  | 'SLIPWAY_HOST_FILE'
  | 'SLIPWAY_NATS_URL'
  | 'SLIPWAY_REGISTRY'
  | 'SLIPWAY_REGISTRY_AUTH_FILE'
  | 'SLIPWAY_HOST_ADDRESS'
  | 'SLIPWAY_HOST_MEMORY_MB'
  | 'SLIPWAY_HOST_CPUS'
  | 'SLIPWAY_DOCKER_SOCKET'
  | 'SLIPWAY_HEARTBEAT_MS'
  | 'SLIPWAY_AGENT_STOP_INSTANCES_ON_EXIT'
  | 'SLIPWAY_AGENT_EXIT_WITH_LAUNCHER'
  | 'SLIPWAY_ADDON_SUBNETS';

/** Pure: the env keys for `settings` (only those it sets). */
export function agentEnvironment(settings: AgentLaunchSettings): Partial<Record<AgentEnvKey, string>> {
  const { identity } = settings;
  return {
    ...('hostId' in identity
      ? { SLIPWAY_HOST_ID: identity.hostId, SLIPWAY_HOST_TOKEN: identity.hostToken }
      : { SLIPWAY_ENROLLMENT_SECRET: identity.enrollmentSecret, SLIPWAY_HOST_FILE: identity.hostFile }),
    SLIPWAY_NATS_URL: settings.natsUrl,
    SLIPWAY_REGISTRY: settings.registry,
    ...(settings.registryAuthFile ? { SLIPWAY_REGISTRY_AUTH_FILE: settings.registryAuthFile } : {}),
    ...(settings.hostAddress ? { SLIPWAY_HOST_ADDRESS: settings.hostAddress } : {}),
    ...(settings.capacity ? { SLIPWAY_HOST_MEMORY_MB: String(settings.capacity.memoryMb), SLIPWAY_HOST_CPUS: String(settings.capacity.cpus) } : {}),
    ...(settings.dockerSocket ? { SLIPWAY_DOCKER_SOCKET: settings.dockerSocket } : {}),
    ...(settings.heartbeatMs ? { SLIPWAY_HEARTBEAT_MS: String(settings.heartbeatMs) } : {}),
    ...(settings.stopInstancesOnExit !== undefined ? { SLIPWAY_AGENT_STOP_INSTANCES_ON_EXIT: String(settings.stopInstancesOnExit) } : {}),
    ...(settings.exitWithLauncher ? { SLIPWAY_AGENT_EXIT_WITH_LAUNCHER: 'true' } : {}),
    ...(settings.addonSubnets ? { SLIPWAY_ADDON_SUBNETS: settings.addonSubnets } : {}),
  };
}
