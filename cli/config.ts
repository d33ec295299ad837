// The CLI's configuration, read once from the environment by main.ts.
import { join } from 'node:path';
import { z } from 'zod';
import { DEFAULT_BRAND, type Brand } from '../common/brand.js';
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
  /** The provider's brand this CLI is built for (its command name, its platform's name). */
  brand: Brand;
}

export function credentialsPath(configHome: string | undefined, homeDir: string, command = DEFAULT_BRAND.cliCommand): string {
  return join(configHome ?? join(homeDir, '.config'), command, 'credentials.json');
}

/** Pure: the prefix of the CLI's environment variables: SLIPWAY, or the brand's command (`acme-cloud` → ACME_CLOUD). */
export function envPrefix(brand: Brand): string {
  return brand === DEFAULT_BRAND ? 'SLIPWAY' : brand.cliCommand.toUpperCase().replace(/-/g, '_');
}

/** Pure: a text with the CLI's variables named under its brand's prefix. */
export function brandedVariables(text: string, brand: Brand): string {
  const prefix = envPrefix(brand);
  return prefix === 'SLIPWAY' ? text : text.replace(/\bSLIPWAY_(API_URL|API_TOKEN|APP)\b/g, `${prefix}_$1`);
}

export function loadCliConfig(env: Env, homeDir: string, brand: Brand = DEFAULT_BRAND): CliConfig {
  const prefix = envPrefix(brand);
  // a branded CLI reads ACME_API_URL, ACME_API_TOKEN and ACME_APP (and never SLIPWAY_*)
  const own = (name: string) => env[`${prefix}_${name}`];
  const e = parseEnv(schema, prefix === 'SLIPWAY' ? env : { XDG_CONFIG_HOME: env.XDG_CONFIG_HOME, BROWSER: env.BROWSER, SLIPWAY_API_URL: own('API_URL'), SLIPWAY_API_TOKEN: own('API_TOKEN'), SLIPWAY_APP: own('APP') });
  return {
    apiUrl: e.SLIPWAY_API_URL ?? null,
    apiToken: e.SLIPWAY_API_TOKEN ?? null,
    app: e.SLIPWAY_APP ?? null,
    credentialsPath: credentialsPath(e.XDG_CONFIG_HOME, homeDir, brand.cliCommand),
    browser: e.BROWSER ?? null,
    brand,
  };
}
