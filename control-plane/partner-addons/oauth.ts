// Heroku's OAuth grant for add-on partners, the decisions (pure): the provisioning body's
// `oauth_grant`, what a token request must carry, whether a grant code, refresh token or access
// token is good, and the token answer. Secrets are made here and only their SHA-256 is kept
// (common/api-token.ts: 256 random bits, so a fast hash is enough). Storage is oauth-store.ts,
// the steps with I/O oauth-service.ts.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { secretMatches } from '../../common/api-token.js';
import type { PartnerOAuthTokenJson } from '../../common/api-shapes.js';

/** How long a grant code and an access token live (config: Heroku's 5 minutes and 8 hours). */
export type OAuthLifetimes = { grantMs: number; accessMs: number };

/** What a grant code, an access token or a refresh token stands for: one add-on of one service. */
export interface OAuthScope {
  addonId: string;
  serviceId: string;
}

/** A grant code or an access token also has an end (refresh tokens live as long as the add-on). */
export interface ExpiringScope extends OAuthScope {
  expiresAt: string;
}

/** Heroku's `oauth_grant` in the provisioning body. */
export interface OAuthGrantJson {
  code: string;
  expires_at: string;
  type: 'authorization_code';
}

/** A fresh secret: 256 random bits, URL-safe. */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function grantFor(scope: OAuthScope, now: number, lifetimes: OAuthLifetimes): { code: string; record: ExpiringScope; json: OAuthGrantJson } {
  const code = newSecret();
  const expiresAt = new Date(now + lifetimes.grantMs).toISOString();
  return { code, record: { ...scope, expiresAt }, json: { code, expires_at: expiresAt, type: 'authorization_code' } };
}

/** `POST /oauth/token`, form-encoded (Heroku's id.heroku.com) or JSON. */
export const tokenRequest = z.discriminatedUnion('grant_type', [
  z.object({ grant_type: z.literal('authorization_code'), code: z.string().min(1).max(200), client_secret: z.string().min(1).max(200) }),
  z.object({ grant_type: z.literal('refresh_token'), refresh_token: z.string().min(1).max(200), client_secret: z.string().min(1).max(200) }),
]);
export type TokenRequest = z.infer<typeof tokenRequest>;

/** Why a request is refused, in the platform's one error shape. */
export interface OAuthRefusal {
  status: 401 | 403;
  id: 'unauthorized' | 'forbidden';
  message: string;
}

const unauthorized = (message: string): OAuthRefusal => ({ status: 401, id: 'unauthorized', message });
export const INVALID_CREDENTIALS = unauthorized('Invalid credentials provided.');

/** Whether a presented grant code (or refresh token) may be exchanged with this client secret.
 *  `scope` is what the code or token stands for (null: unknown, expired or revoked); `reused`
 *  says a code was exchanged already; `secretHash` is the service's (null: it has none). */
export function exchangeRefusal(input: { kind: 'code' | 'refresh'; scope: (OAuthScope & { expiresAt?: string }) | null; reused: boolean; secretHash: string | null | undefined; clientSecret: string; now: number }): OAuthRefusal | null {
  const what = input.kind === 'code' ? 'grant code' : 'refresh token';
  if (!input.scope) return unauthorized(input.reused ? 'This grant code was exchanged already: the tokens it gave are revoked.' : `Invalid ${what}: it is unknown, expired or revoked.`);
  if (input.scope.expiresAt !== undefined && Date.parse(input.scope.expiresAt) <= input.now) return unauthorized(`Invalid ${what}: it is unknown, expired or revoked.`);
  if (!input.secretHash || !secretMatches(input.clientSecret, input.secretHash)) return unauthorized('Invalid client secret.');
  return null;
}

/** The bearer secret of an `Authorization` header, or null. */
export function bearerOf(authorization: string | undefined): string | null {
  return /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1] ?? null;
}

/** Whether an access token lets its holder act on the add-on `addonId` (the path's, id or name
 *  as given): 401 when it is not a live token, 403 when it is another add-on's. */
export function accessRefusal(token: ExpiringScope | null, addonId: string, now: number): OAuthRefusal | null {
  if (!token || Date.parse(token.expiresAt) <= now) return INVALID_CREDENTIALS;
  if (token.addonId !== addonId) return { status: 403, id: 'forbidden', message: 'This token is not for that add-on: each token works only for the add-on whose provisioning granted it.' };
  return null;
}

export function tokenAnswer(accessToken: string, refreshToken: string, lifetimes: OAuthLifetimes): PartnerOAuthTokenJson {
  return { access_token: accessToken, refresh_token: refreshToken, expires_in: Math.floor(lifetimes.accessMs / 1000), token_type: 'Bearer' };
}
