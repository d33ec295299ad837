// The SSO login built from the operator's settings (platform.ts calls this at start).
import type { Redis } from 'ioredis';
import type { UserStore } from '../store/users.js';
import { OidcIdentityProvider } from './oidc-client.js';
import type { OidcSettings } from './oidc-settings.js';
import { SsoLogin } from './sso-login.js';
import { SsoSessions } from './sso-sessions.js';

/** How long a browser login may take, from `login --sso` to the IdP's answer. */
export const SSO_SESSION_TTL_SECONDS = 600;

export async function ssoLogin(settings: OidcSettings, deps: { redis: Redis; users: UserStore; apiUrl: () => string }): Promise<SsoLogin> {
  const redirectUrl = () => new URL(settings.redirectUrl ?? `${deps.apiUrl()}/auth/sso/callback`);
  const idp = await OidcIdentityProvider.create(settings, redirectUrl);
  return new SsoLogin(new SsoSessions(deps.redis, SSO_SESSION_TTL_SECONDS), idp, deps.users, { autoProvision: settings.autoProvision });
}
