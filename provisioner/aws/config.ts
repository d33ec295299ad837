// The infra stack's configuration: Pulumi config under the `slipway` namespace, parsed once
// into typed settings (pure) plus the secrets, which stay Pulumi secrets end to end.
import * as pulumi from '@pulumi/pulumi';
import { z } from 'zod';
import { parseEnv } from '../../common/config.js';
import { ConfigError } from '../../common/errors.js';
import { parseCidr } from './cidr.js';
import { CONFIG_NAMESPACE, SECRET_KEYS, type SecretKey } from './secret-keys.js';

export { CONFIG_NAMESPACE, SECRET_KEYS, type SecretKey };

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;
/** Secrets go into NATS, Redis and env files: a safe alphabet keeps every one of them unescaped. */
export const SECRET_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;

const count = (fallback: number) => z.coerce.number().int().min(0).max(100).default(fallback);
const tcpPort = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);
const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false'])
    .default(fallback ? 'true' : 'false')
    .transform((value) => value === 'true');
const jsonList = z.string().transform((text, ctx) => {
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed) && parsed.every((item) => typeof item === 'string')) return parsed as string[];
  } catch {
    // reported below
  }
  ctx.addIssue({ code: 'custom', message: 'must be a JSON list of strings' });
  return z.NEVER;
});

const schema = z
  .object({
    /** Apps answer at `<app>.<domain>`, the Platform API at `api.<domain>`. */
    domain: z.string().regex(DOMAIN, 'a DNS domain such as apps.example.com'),
    /** Private Route 53 zone the hosts find NATS, Redis and the API under. */
    internalDomain: z.string().regex(DOMAIN).default('slipway.internal'),
    vpcCidr: z
      .string()
      .default('10.42.0.0/16')
      .refine((cidr) => {
        try {
          return parseCidr(cidr).prefix <= 20;
        } catch {
          return false;
        }
      }, 'an IPv4 block of /20 or larger, such as 10.42.0.0/16'),
    /** Zones to use; default: the region's first `zoneCount` available zones. */
    availabilityZones: jsonList.optional(),
    zoneCount: z.coerce.number().int().min(2).max(6).default(2),
    /** One NAT gateway per zone survives a zone outage; `single` costs less. */
    natGateways: z.enum(['per-zone', 'single']).default('per-zone'),
    /** Default: the newest Debian 12 (bookworm) amd64 image published by Debian. */
    amiId: z.string().regex(/^ami-[0-9a-f]{8,17}$/).optional(),
    engineInstanceType: z.string().regex(INSTANCE_TYPE).default('t3.large'),
    engineVolumeGb: z.coerce.number().int().min(20).max(16384).default(50),
    /** The engine hosts' auto scaling group. Its desired size is set at creation; after that the
     *  control plane owns it (adding and removing hosts), within engineMin..engineMax. */
    engineMin: count(0),
    engineDesired: count(2),
    engineMax: count(10),
    controlPlaneInstanceType: z.string().regex(INSTANCE_TYPE).default('t3.large'),
    controlPlaneVolumeGb: z.coerce.number().int().min(20).max(16384).default(100),
    routerInstanceType: z.string().regex(INSTANCE_TYPE).default('t3.small'),
    routerVolumeGb: z.coerce.number().int().min(8).max(16384).default(20),
    routerMin: count(2),
    routerDesired: count(2),
    routerMax: count(4),
    /** Ports the router binds on its host; the load balancer forwards 80 and 443 to them. */
    routerHttpPort: tcpPort(8080),
    routerHttpsPort: tcpPort(8443),
    apiPort: tcpPort(5780),
    /** Host ports app containers are published on (Docker's default ephemeral range). */
    appPortFrom: tcpPort(32768),
    appPortTo: tcpPort(60999),
    /** ElastiCache for Redis instead of Redis on the control-plane host. */
    managedRedis: bool(false),
    redisNodeType: z.string().regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/).default('cache.t4g.small'),
    /** Tag of the platform images (agent, api, router) in the stack's ECR repositories. */
    platformImageTag: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/).default('0.1.0'),
    /** ECR scan-on-push is an account-wide registry setting: turn off to leave yours alone. */
    manageRegistryScanning: bool(true),
  })
  .superRefine((value, ctx) => {
    if (!(value.routerMin <= value.routerDesired && value.routerDesired <= value.routerMax)) {
      ctx.addIssue({ code: 'custom', path: ['routerDesired'], message: 'routerMin <= routerDesired <= routerMax' });
    }
    if (value.routerMax < 1) ctx.addIssue({ code: 'custom', path: ['routerMax'], message: 'at least one router' });
    if (!(value.engineMin <= value.engineDesired && value.engineDesired <= value.engineMax)) {
      ctx.addIssue({ code: 'custom', path: ['engineDesired'], message: 'engineMin <= engineDesired <= engineMax' });
    }
    if (value.engineMax < 1) ctx.addIssue({ code: 'custom', path: ['engineMax'], message: 'at least one engine host' });
    if (value.appPortFrom > value.appPortTo) {
      ctx.addIssue({ code: 'custom', path: ['appPortFrom'], message: 'appPortFrom <= appPortTo' });
    }
    if (value.availabilityZones && value.availabilityZones.length < 2) {
      ctx.addIssue({ code: 'custom', path: ['availabilityZones'], message: 'at least two zones' });
    }
    const platformPorts = [value.routerHttpPort, value.routerHttpsPort, value.apiPort, 4222, 6379];
    if ([2375, 2376].some((port) => platformPorts.includes(port))) {
      ctx.addIssue({ code: 'custom', message: 'ports 2375/2376 belong to the Docker Engine API and are never used' });
    }
  });

export type InfraSettings = z.infer<typeof schema>;

/** Every plain (non-secret) config key the infra stack reads. */
export const SETTING_KEYS = Object.keys(schema.shape) as (keyof InfraSettings)[];

/** Secrets the stack needs; `slipway infra` generates missing ones on first use. */
export type InfraSecrets = Record<SecretKey, pulumi.Output<string>>;

export interface InfraConfig {
  settings: InfraSettings;
  secrets: InfraSecrets;
}

/** Pure: raw config strings (key without namespace → value) to settings, or one ConfigError. */
export function parseInfraSettings(raw: Record<string, string | undefined>): InfraSettings {
  return parseEnv(schema, raw);
}

/** Checks a secret's shape where it is used (inside an apply), without ever echoing it. */
export function checkSecret(label: string, value: string): string {
  if (!SECRET_PATTERN.test(value)) throw new ConfigError(`${label} must be 16-128 characters of A-Z a-z 0-9 _ -`);
  return value;
}

/** Reads the stack's config; call inside a Pulumi program. */
export function readInfraConfig(config = new pulumi.Config(CONFIG_NAMESPACE)): InfraConfig {
  const raw: Record<string, string | undefined> = {};
  for (const key of SETTING_KEYS) raw[key] = config.get(key);
  const secrets = Object.fromEntries(
    SECRET_KEYS.map((key) => [key, config.requireSecret(key).apply((value) => checkSecret(`${CONFIG_NAMESPACE}:${key}`, value))]),
  ) as InfraSecrets;
  return { settings: parseInfraSettings(raw), secrets };
}
