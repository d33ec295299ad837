// The CLI's configuration, read once from the environment by main.ts.
import { join } from 'node:path';
import { z } from 'zod';
import { parseEnv, type Env } from '../common/config.js';

// An empty variable counts as unset (`SLIPWAY_APP= slipway ps` must not mean app "").
const optional = <S extends z.ZodType>(schema: S) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

const schema = z.object({
  SLIPWAY_API_URL: optional(z.string().url()),
  SLIPWAY_API_TOKEN: optional(z.string()),
  SLIPWAY_APP: optional(z.string()),
  XDG_CONFIG_HOME: optional(z.string()),
  BROWSER: optional(z.string()),
});

export interface CliConfig {
  /** Overrides the API URL stored by `slipway login`. */
  apiUrl: string | null;
  /** Overrides the token stored by `slipway login`. */
  apiToken: string | null;
  /** The app when neither -a nor a git remote names one. */
  app: string | null;
  /** Where `slipway login` stores the API URL and token (mode 0600). */
  credentialsPath: string;
  /** A command that opens a URL in a browser ($BROWSER), for `login --sso`; null: the URL is only printed. */
  browser: string | null;
}

export function credentialsPath(configHome: string | undefined, homeDir: string): string {
  return join(configHome ?? join(homeDir, '.config'), 'slipway', 'credentials.json');
}

export function loadCliConfig(env: Env, homeDir: string): CliConfig {
  const e = parseEnv(schema, env);
  return {
    apiUrl: e.SLIPWAY_API_URL ?? null,
    apiToken: e.SLIPWAY_API_TOKEN ?? null,
    app: e.SLIPWAY_APP ?? null,
    credentialsPath: credentialsPath(e.XDG_CONFIG_HOME, homeDir),
    browser: e.BROWSER ?? null,
  };
}
