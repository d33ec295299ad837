// Environment is read once per process, at its entry point, into a typed config. Modules
// receive the config object; none of them reads process.env.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from './errors.js';

export type Env = Record<string, string | undefined>;

/** Parses `env` with `schema`, or throws one ConfigError naming every bad variable. */
export function parseEnv<S extends z.ZodType>(schema: S, env: Env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`);
  throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
}

export const port = z.coerce.number().int().min(0).max(65535);
export const url = z.string().url();
export const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

/** `$SLIPWAY_HOME`, default `~/.slipway`: every piece of local state lives under it. */
export function slipwayHome(env: Env): string {
  return env.SLIPWAY_HOME && env.SLIPWAY_HOME.length > 0 ? env.SLIPWAY_HOME : join(homedir(), '.slipway');
}
