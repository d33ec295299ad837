// What the control plane needs to run the AWS host provider: where the hosts stack keeps its
// state and what every engine host is launched from. The infra stack writes these into the
// control plane's environment (hostsStackEnvironment); the control plane's main.ts parses
// them once (parseHostsStackSettings). Both directions live here so they cannot drift.
import { z } from 'zod';
import { parseEnv, type Env } from '../../common/config.js';

export interface HostsStackSettings {
  region: string;
  /** Name of the infra stack the hosts belong to (tags, IAM conditions). */
  infraStack: string;
  /** Name of the stack holding the engine hosts, e.g. `production-hosts`. */
  stackName: string;
  /** Pulumi state backend of the hosts stack, e.g. `s3://bucket`. */
  backendUrl: string;
  /** Pulumi secrets provider of the hosts stack, e.g. `awskms://<key id>?region=...`. */
  secretsProvider: string;
  /** Local directory for the Pulumi workspace (project and stack settings). */
  workDir: string;
  launchTemplateId: string;
  /** Private subnets, one per zone; hosts are spread over them. */
  subnetIds: string[];
  engineInstanceType: string;
  /** `host:port` agents reach NATS at. */
  natsAddress: string;
  registry: string;
  agentImage: string;
}

export const HOSTS_PROJECT = 'slipway-hosts';
export const DEFAULT_HOSTS_WORK_DIR = '/var/lib/slipway/hosts-stack';

const name = z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/);
const schema = z.object({
  SLIPWAY_AWS_REGION: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/),
  SLIPWAY_AWS_INFRA_STACK: name,
  SLIPWAY_AWS_HOSTS_STACK: name,
  SLIPWAY_AWS_HOSTS_BACKEND_URL: z.string().regex(/^(s3|file|https):\/\/\S+$/),
  SLIPWAY_AWS_HOSTS_SECRETS_PROVIDER: z.string().regex(/^(awskms|passphrase|default)\S*$/),
  SLIPWAY_AWS_HOSTS_WORK_DIR: z.string().startsWith('/').default(DEFAULT_HOSTS_WORK_DIR),
  SLIPWAY_AWS_ENGINE_LAUNCH_TEMPLATE_ID: z.string().regex(/^lt-[0-9a-f]+$/),
  SLIPWAY_AWS_ENGINE_SUBNET_IDS: z
    .string()
    .transform((text) => text.split(',').filter((id) => id.length > 0))
    .pipe(z.array(z.string().regex(/^subnet-[0-9a-f]+$/)).min(1)),
  SLIPWAY_AWS_ENGINE_INSTANCE_TYPE: z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/),
  SLIPWAY_AWS_NATS_ADDRESS: z.string().regex(/^[a-z0-9.-]+:\d{1,5}$/),
  SLIPWAY_AWS_REGISTRY: z.string().min(1),
  SLIPWAY_AWS_AGENT_IMAGE: z.string().min(1),
});

export function parseHostsStackSettings(env: Env): HostsStackSettings {
  const e = parseEnv(schema, env);
  return {
    region: e.SLIPWAY_AWS_REGION,
    infraStack: e.SLIPWAY_AWS_INFRA_STACK,
    stackName: e.SLIPWAY_AWS_HOSTS_STACK,
    backendUrl: e.SLIPWAY_AWS_HOSTS_BACKEND_URL,
    secretsProvider: e.SLIPWAY_AWS_HOSTS_SECRETS_PROVIDER,
    workDir: e.SLIPWAY_AWS_HOSTS_WORK_DIR,
    launchTemplateId: e.SLIPWAY_AWS_ENGINE_LAUNCH_TEMPLATE_ID,
    subnetIds: e.SLIPWAY_AWS_ENGINE_SUBNET_IDS,
    engineInstanceType: e.SLIPWAY_AWS_ENGINE_INSTANCE_TYPE,
    natsAddress: e.SLIPWAY_AWS_NATS_ADDRESS,
    registry: e.SLIPWAY_AWS_REGISTRY,
    agentImage: e.SLIPWAY_AWS_AGENT_IMAGE,
  };
}

/** The inverse of parseHostsStackSettings: the environment the control plane is given. */
export function hostsStackEnvironment(settings: HostsStackSettings): Record<string, string> {
  return {
    SLIPWAY_AWS_REGION: settings.region,
    SLIPWAY_AWS_INFRA_STACK: settings.infraStack,
    SLIPWAY_AWS_HOSTS_STACK: settings.stackName,
    SLIPWAY_AWS_HOSTS_BACKEND_URL: settings.backendUrl,
    SLIPWAY_AWS_HOSTS_SECRETS_PROVIDER: settings.secretsProvider,
    SLIPWAY_AWS_HOSTS_WORK_DIR: settings.workDir,
    SLIPWAY_AWS_ENGINE_LAUNCH_TEMPLATE_ID: settings.launchTemplateId,
    SLIPWAY_AWS_ENGINE_SUBNET_IDS: settings.subnetIds.join(','),
    SLIPWAY_AWS_ENGINE_INSTANCE_TYPE: settings.engineInstanceType,
    SLIPWAY_AWS_NATS_ADDRESS: settings.natsAddress,
    SLIPWAY_AWS_REGISTRY: settings.registry,
    SLIPWAY_AWS_AGENT_IMAGE: settings.agentImage,
  };
}
