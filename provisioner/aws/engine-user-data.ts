// User-data of one engine host: Docker Engine from Debian's packages (unix socket only) and
// the Slipway agent as a container that joins with this host's own credentials.
import { envFile, renderCloudConfig, UserDataError } from './cloud-init.js';
import { containerServiceUnit, DOCKER_HOST_COMMANDS, DOCKER_HOST_PACKAGES, dockerHostFiles, HOST_PATHS, platformContainerOptions } from './docker-host.js';

export interface EngineUserDataInput {
  hostId: string;
  /** The host's secret, issued by the control plane for this host alone. */
  token: string;
  /** `host:port` of NATS inside the VPC, e.g. `nats.slipway.internal:4222`. */
  natsAddress: string;
  /** ECR registry host the agent pulls app images from. */
  registry: string;
  agentImage: string;
}

export const AGENT_SERVICE = 'slipway-agent.service';
export const AGENT_ENV_FILE = '/etc/slipway/agent.env';
export const DOCKER_SOCKET = '/var/run/docker.sock';

const HOST_ID = /^[A-Za-z0-9_-]{1,64}$/;
// URL-unreserved characters only, so the token sits in the NATS URL without encoding.
const TOKEN = /^[A-Za-z0-9._~-]{16,512}$/;
const ADDRESS = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?:\d{1,5}$/;

/** The agent's environment; NATS authenticates the host as user `hostId` with its token. */
export function agentEnvironment(input: EngineUserDataInput): Record<string, string> {
  if (!HOST_ID.test(input.hostId)) throw new UserDataError(`bad host id: ${input.hostId}`);
  if (!TOKEN.test(input.token)) throw new UserDataError(`the token of host ${input.hostId} must be 16-512 URL-safe characters`);
  if (!ADDRESS.test(input.natsAddress)) throw new UserDataError(`bad NATS address: ${input.natsAddress}`);
  return {
    SLIPWAY_HOST_ID: input.hostId,
    SLIPWAY_HOST_TOKEN: input.token,
    SLIPWAY_NATS_URL: `nats://${input.hostId}:${input.token}@${input.natsAddress}`,
    SLIPWAY_REGISTRY: input.registry,
    SLIPWAY_REGISTRY_AUTH_FILE: HOST_PATHS.registryAuthFile,
    SLIPWAY_DOCKER_SOCKET: DOCKER_SOCKET,
  };
}

/** `docker run` options of the agent: the only container on the host given the Docker socket. */
export function agentRunOptions(): string[] {
  return platformContainerOptions({
    // SLIPWAY_HOST_ADDRESS comes from the second file, written from IMDSv2 at each start.
    envFiles: [AGENT_ENV_FILE, HOST_PATHS.hostAddressEnv],
    dropCapabilities: true,
    volumes: [`${DOCKER_SOCKET}:${DOCKER_SOCKET}`, `${HOST_PATHS.registryAuthDir}:${HOST_PATHS.registryAuthDir}:ro`],
  });
}

export function renderEngineUserData(input: EngineUserDataInput): string {
  const environment = agentEnvironment(input);
  const agentUnit = containerServiceUnit({
    name: 'slipway-agent',
    description: `Slipway agent of host ${input.hostId}`,
    image: input.agentImage,
    runOptions: agentRunOptions(),
    execStartPre: [[HOST_PATHS.hostAddressScript]],
  });
  return renderCloudConfig({
    packages: DOCKER_HOST_PACKAGES,
    files: [
      ...dockerHostFiles(input.registry),
      { path: AGENT_ENV_FILE, content: envFile(environment), permissions: '0600' },
      { path: `/etc/systemd/system/${AGENT_SERVICE}`, content: agentUnit, permissions: '0644' },
    ],
    commands: [...DOCKER_HOST_COMMANDS, ['systemctl', 'enable', '--now', AGENT_SERVICE]],
  });
}
