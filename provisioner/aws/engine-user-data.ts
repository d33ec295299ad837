// User-data of every engine host (the engine launch template's, so the same for all instances
// of the group): Docker Engine from Debian's packages (unix socket only) and the Slipway agent
// as a container. It carries the group's enrollment secret and no host's own credentials: the
// agent enrolls with the secret, its instance id and address (read from IMDSv2 before each
// start), and keeps the identity it gets in a root-only host file on the host.
import { agentEnvironment as agentEnvironmentOf } from '../../common/env/agent.js';
import { ENROLLMENT_SECRET } from '../../common/enrollment.js';
import { envFile, renderCloudConfig, UserDataError } from './cloud-init.js';
import { containerServiceUnit, DOCKER_HOST_COMMANDS, DOCKER_HOST_PACKAGES, dockerHostFiles, HOST_PATHS, platformContainerOptions } from './docker-host.js';

export interface EngineUserDataInput {
  /** Shared by the group's instances until each enrolls for its own identity: a secret. */
  enrollmentSecret: string;
  /** `host:port` of NATS inside the VPC, e.g. `nats.slipway.internal:4222`. */
  natsAddress: string;
  /** ECR registry host the agent pulls app images from. */
  registry: string;
  agentImage: string;
}

export const AGENT_SERVICE = 'slipway-agent.service';
export const AGENT_ENV_FILE = '/etc/slipway/agent.env';
export const DOCKER_SOCKET = '/var/run/docker.sock';
/** Holds the host file (the enrolled identity): root only, the agent's only writable mount. */
export const AGENT_STATE_DIR = '/var/lib/slipway/agent';
export const HOST_FILE = `${AGENT_STATE_DIR}/host.json`;

const ADDRESS = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?:\d{1,5}$/;

/** The agent's environment (the instance id and address come from a second file, per start). */
export function agentEnvironment(input: EngineUserDataInput): Record<string, string> {
  // The secret sits in NATS's config and an env file unescaped; never echo it.
  if (!ENROLLMENT_SECRET.test(input.enrollmentSecret)) throw new UserDataError('the enrollment secret must be 16-512 URL-safe characters');
  if (!ADDRESS.test(input.natsAddress)) throw new UserDataError(`bad NATS address: ${input.natsAddress}`);
  return agentEnvironmentOf({
    identity: { enrollmentSecret: input.enrollmentSecret, hostFile: HOST_FILE },
    // No credentials: the agent enrolls as the `enroll` user, then connects as its own host.
    natsUrl: `nats://${input.natsAddress}`,
    registry: input.registry,
    registryAuthFile: HOST_PATHS.registryAuthFile,
    dockerSocket: DOCKER_SOCKET,
  });
}

/** `docker run` options of the agent: the only container on the host given the Docker socket. */
export function agentRunOptions(): string[] {
  return platformContainerOptions({
    // SLIPWAY_INSTANCE_ID and SLIPWAY_HOST_ADDRESS come from the second file, written from IMDSv2 at each start.
    envFiles: [AGENT_ENV_FILE, HOST_PATHS.instanceEnv],
    dropCapabilities: true,
    volumes: [
      `${DOCKER_SOCKET}:${DOCKER_SOCKET}`,
      `${HOST_PATHS.registryAuthDir}:${HOST_PATHS.registryAuthDir}:ro`,
      `${AGENT_STATE_DIR}:${AGENT_STATE_DIR}`,
    ],
  });
}

export function renderEngineUserData(input: EngineUserDataInput): string {
  const environment = agentEnvironment(input);
  const agentUnit = containerServiceUnit({
    name: 'slipway-agent',
    description: 'Slipway agent (enrolls for its own host identity on first start)',
    image: input.agentImage,
    runOptions: agentRunOptions(),
    execStartPre: [[HOST_PATHS.instanceIdentityScript]],
  });
  return renderCloudConfig({
    packages: DOCKER_HOST_PACKAGES,
    files: [
      ...dockerHostFiles(input.registry),
      { path: AGENT_ENV_FILE, content: envFile(environment), permissions: '0600' },
      { path: `/etc/systemd/system/${AGENT_SERVICE}`, content: agentUnit, permissions: '0644' },
    ],
    commands: [
      ...DOCKER_HOST_COMMANDS,
      // Owned by root, 0700: the agent runs as root without capabilities (no DAC override).
      ['install', '-d', '-o', 'root', '-g', 'root', '-m', '0700', AGENT_STATE_DIR],
      ['systemctl', 'enable', '--now', AGENT_SERVICE],
    ],
  });
}
