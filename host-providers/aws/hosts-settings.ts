// What the control plane needs to run the AWS host provider and enrollment: the engine hosts'
// auto scaling group, what one engine host offers, and the enrollment secret. The infra stack
// writes them into the control plane's environment (awsHostEnvironment); the control plane's
// config parses them once (parseAwsHostSettings). Both directions live here so they cannot drift.
import { z } from 'zod';
import { parseEnv, type Env } from '../../common/config.js';
import { ENROLLMENT_SECRET } from '../../common/enrollment.js';
import type { HostCapacity } from '../../common/types.js';

export interface AwsHostSettings {
  region: string;
  /** Name of the engine hosts' auto scaling group. */
  engineGroupName: string;
  /** What one engine host offers (the engine instance type's memory and vCPUs). */
  engineCapacity: HostCapacity;
  /** Shared by every engine host until it enrolls: a secret, never logged. */
  enrollmentSecret: string;
  /** How long adding hosts waits for new instances to boot and enroll. */
  enrollTimeoutMs: number;
  /** Another Auto Scaling endpoint than AWS's public one (a VPC endpoint), or null. */
  endpoint: string | null;
}

export const DEFAULT_ENROLL_TIMEOUT_SECONDS = 900;

const schema = z.object({
  SLIPWAY_AWS_REGION: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/),
  // Auto scaling group names may hold more, but Slipway's (Pulumi-named) never do.
  SLIPWAY_AWS_ENGINE_GROUP: z.string().regex(/^[A-Za-z0-9_.-]{1,255}$/),
  SLIPWAY_AWS_ENGINE_MEMORY_MB: z.coerce.number().int().positive(),
  SLIPWAY_AWS_ENGINE_CPUS: z.coerce.number().positive(),
  SLIPWAY_ENROLLMENT_SECRET: z.string().regex(ENROLLMENT_SECRET, '16-512 characters of A-Z a-z 0-9 . _ ~ -'),
  SLIPWAY_AWS_ENROLL_TIMEOUT_SECONDS: z.coerce.number().int().min(10).max(3600).default(DEFAULT_ENROLL_TIMEOUT_SECONDS),
  SLIPWAY_AWS_ENDPOINT: z.url().optional(),
});

export function parseAwsHostSettings(env: Env): AwsHostSettings {
  const e = parseEnv(schema, env);
  return {
    region: e.SLIPWAY_AWS_REGION,
    engineGroupName: e.SLIPWAY_AWS_ENGINE_GROUP,
    engineCapacity: { memoryMb: e.SLIPWAY_AWS_ENGINE_MEMORY_MB, cpus: e.SLIPWAY_AWS_ENGINE_CPUS },
    enrollmentSecret: e.SLIPWAY_ENROLLMENT_SECRET,
    enrollTimeoutMs: e.SLIPWAY_AWS_ENROLL_TIMEOUT_SECONDS * 1000,
    endpoint: e.SLIPWAY_AWS_ENDPOINT ?? null,
  };
}

/** The inverse of parseAwsHostSettings: the environment the control plane is given. */
export function awsHostEnvironment(settings: AwsHostSettings): Record<string, string> {
  return {
    SLIPWAY_AWS_REGION: settings.region,
    SLIPWAY_AWS_ENGINE_GROUP: settings.engineGroupName,
    SLIPWAY_AWS_ENGINE_MEMORY_MB: String(settings.engineCapacity.memoryMb),
    SLIPWAY_AWS_ENGINE_CPUS: String(settings.engineCapacity.cpus),
    SLIPWAY_ENROLLMENT_SECRET: settings.enrollmentSecret,
    SLIPWAY_AWS_ENROLL_TIMEOUT_SECONDS: String(Math.round(settings.enrollTimeoutMs / 1000)),
    ...(settings.endpoint ? { SLIPWAY_AWS_ENDPOINT: settings.endpoint } : {}),
  };
}
