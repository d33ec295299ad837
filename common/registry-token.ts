// Docker's token authentication (distribution's "token" auth), both sides' shared part: the
// registry answers 401 with `WWW-Authenticate: Bearer realm=...,service=...,scope=...`; the
// client asks the realm (the token server, here the control plane) for a token with HTTP Basic
// and sends it back as `Authorization: Bearer`. Every client of Slipway that speaks the
// registry API itself goes through fetchBearerToken; the Docker Engine does the same dance on
// its own. Scopes are `repository:<name>:<action>[,<action>]` (distribution's spec).
import { request, type Dispatcher } from 'undici';
import { SlipwayError } from './errors.js';
import { basicAuthorization, type RegistryCredentials } from './registry-auth.js';

/** The `service` the platform's own registry names in its challenges, and the audience of its tokens. */
export const REGISTRY_TOKEN_SERVICE = 'slipway-registry';
/** Where the control plane serves tokens (the realm of the platform registry's challenges). */
export const REGISTRY_TOKEN_PATH = '/registry/token';
/** Where the control plane says which registry users push to: `{"host": "host[:port]"}`. */
export const REGISTRY_INFO_PATH = '/registry';
/** Who signs the platform registry's tokens (their `iss`, which the registry checks). */
export const REGISTRY_TOKEN_ISSUER = 'slipway';

export interface BearerChallenge {
  realm: string;
  service: string | null;
  /** Each scope the registry asked for (a challenge's `scope` may hold several, space-separated). */
  scopes: string[];
}

/** Pure: the Bearer challenge in a WWW-Authenticate header, or null (none, or another scheme). */
export function parseBearerChallenge(header: string | undefined): BearerChallenge | null {
  const match = header ? /^\s*bearer\s+(.*)$/i.exec(header) : null;
  if (!match) return null;
  const params = new Map<string, string>();
  for (const [, key, quoted, bare] of match[1]!.matchAll(/([a-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/gi)) {
    params.set(key!.toLowerCase(), quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : bare!);
  }
  const realm = params.get('realm');
  if (!realm) return null;
  const scope = params.get('scope');
  return { realm, service: params.get('service') ?? null, scopes: scope ? scope.split(/\s+/).filter(Boolean) : [] };
}

/** Pure: the token request's URL (`scope` repeated, as Docker sends several). */
export function tokenRequestUrl(challenge: BearerChallenge): URL {
  const url = new URL(challenge.realm);
  if (challenge.service) url.searchParams.set('service', challenge.service);
  for (const scope of challenge.scopes) url.searchParams.append('scope', scope);
  return url;
}

export interface RequestedAccess {
  type: string;
  name: string;
  actions: string[];
}

/** Pure: one scope (`repository:apps/web:pull,push`; a name may hold no colon but a port's, which repositories never have). */
export function parseScope(scope: string): RequestedAccess | null {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last <= first) return null;
  const actions = scope.slice(last + 1).split(',').filter(Boolean);
  const name = scope.slice(first + 1, last);
  if (!name || actions.length === 0) return null;
  return { type: scope.slice(0, first), name, actions: [...new Set(actions)] };
}

/** The token server refused, or answered something that is not a token. The message never carries the credentials. */
export class RegistryTokenError extends SlipwayError {
  override name = 'RegistryTokenError';
  constructor(message: string, readonly httpStatus: number, cause?: unknown) {
    super('registry_token', message, { status: 502, cause });
  }
}

/**
 * A token for `challenge` from its realm, with `credentials` as HTTP Basic (anonymous without).
 * Docker's rule: credentials go wherever the registry's realm says; the platform's registry
 * names the control plane.
 */
export async function fetchBearerToken(
  challenge: BearerChallenge,
  credentials: RegistryCredentials | null,
  options: { dispatcher?: Dispatcher } = {},
): Promise<string> {
  const url = tokenRequestUrl(challenge);
  const headers: Record<string, string> = credentials ? { authorization: basicAuthorization(credentials) } : {};
  let response: Dispatcher.ResponseData;
  try {
    response = await request(url, { method: 'GET', headers, dispatcher: options.dispatcher });
  } catch (err) {
    throw new RegistryTokenError(`token server ${url.origin} unreachable`, 0, err);
  }
  const text = await response.body.text();
  if (response.statusCode === 401 || response.statusCode === 403) {
    throw new RegistryTokenError(
      `token server ${url.origin}${url.pathname} refused ${credentials ? 'the registry credentials' : 'an anonymous request'} (${response.statusCode})`,
      response.statusCode,
    );
  }
  if (response.statusCode !== 200) throw new RegistryTokenError(`token server ${url.origin}${url.pathname} answered ${response.statusCode}`, response.statusCode);
  let parsed: { token?: unknown; access_token?: unknown };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    throw new RegistryTokenError(`token server ${url.origin}${url.pathname} answered no JSON`, response.statusCode);
  }
  const token = typeof parsed.token === 'string' ? parsed.token : parsed.access_token;
  if (typeof token !== 'string' || token.length === 0) throw new RegistryTokenError(`token server ${url.origin}${url.pathname} answered no token`, response.statusCode);
  return token;
}
