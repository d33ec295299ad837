// Single sign-on through the provider's own identity provider (OpenID Connect): the operator's
// settings, parsed once from the environment by the control plane's config. All of issuer,
// client id and secret, or none (then there is no SSO).
import { z } from 'zod';
import { flag, parseEnv, type Env } from '../../common/config.js';
import { ConfigError } from '../../common/errors.js';

export interface OidcSettings {
  /** The IdP's issuer URL (its discovery document is `<issuer>/.well-known/openid-configuration`). */
  issuer: URL;
  clientId: string;
  /** A secret, never logged. */
  clientSecret: string;
  /** PEM certificates to trust for the issuer instead of Node's bundled CAs (a private IdP), or null. */
  caFile: string | null;
  /** Whether a first sign-in of a verified email the platform does not know makes its account. */
  autoProvision: boolean;
  /** Where the IdP sends the browser back (registered with the IdP), or null: `<API URL>/auth/sso/callback`. */
  redirectUrl: URL | null;
}

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** https, or http on loopback only (an IdP in a test or on the same machine). */
const idpUrl = z
  .url()
  .transform((value) => new URL(value))
  .refine((u) => u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK.has(u.hostname)), 'must be https:// (http:// only on loopback)')
  .refine((u) => u.search === '' && u.hash === '', 'must have no query or fragment');

const schema = z.object({
  SLIPWAY_OIDC_ISSUER: idpUrl.optional(),
  SLIPWAY_OIDC_CLIENT_ID: z.string().min(1).max(500).optional(),
  SLIPWAY_OIDC_CLIENT_SECRET: z.string().min(1).max(2000).optional(),
  SLIPWAY_OIDC_CA_FILE: z.string().startsWith('/', 'an absolute path').optional(),
  SLIPWAY_OIDC_AUTO_PROVISION: flag.default(true),
  SLIPWAY_OIDC_REDIRECT_URL: z
    .url()
    .transform((value) => new URL(value))
    .refine((u) => u.pathname.endsWith('/auth/sso/callback'), 'must end in /auth/sso/callback (the API serves the callback there)')
    .optional(),
});

const REQUIRED = ['SLIPWAY_OIDC_ISSUER', 'SLIPWAY_OIDC_CLIENT_ID', 'SLIPWAY_OIDC_CLIENT_SECRET'] as const;

/** The settings, null when SSO is not configured; a ConfigError naming what is missing or bad. */
export function parseOidcSettings(env: Env): OidcSettings | null {
  const e = parseEnv(schema, env);
  const missing = REQUIRED.filter((key) => e[key] === undefined);
  if (missing.length === REQUIRED.length) {
    const stray = (['SLIPWAY_OIDC_CA_FILE', 'SLIPWAY_OIDC_REDIRECT_URL'] as const).filter((key) => e[key] !== undefined);
    if (stray.length > 0) throw new ConfigError(`${stray.join(', ')} set without SLIPWAY_OIDC_ISSUER, SLIPWAY_OIDC_CLIENT_ID and SLIPWAY_OIDC_CLIENT_SECRET`);
    return null;
  }
  if (missing.length > 0) throw new ConfigError(`invalid configuration: ${missing.join(', ')} missing: OpenID Connect sign-in needs ${REQUIRED.join(', ')}`);
  return {
    issuer: e.SLIPWAY_OIDC_ISSUER!,
    clientId: e.SLIPWAY_OIDC_CLIENT_ID!,
    clientSecret: e.SLIPWAY_OIDC_CLIENT_SECRET!,
    caFile: e.SLIPWAY_OIDC_CA_FILE ?? null,
    autoProvision: e.SLIPWAY_OIDC_AUTO_PROVISION,
    redirectUrl: e.SLIPWAY_OIDC_REDIRECT_URL ?? null,
  };
}
