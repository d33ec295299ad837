// GET /registry/token: the platform registry's token server (Docker's token auth). HTTP Basic
// with a user's API token as the password (any user name, as Heroku's registry takes it), or
// the platform's own registry credentials. Answers in the shapes Docker clients read: the
// token JSON, or a registry error body (`{"errors":[{"code","message"}]}`) with a 401.
// GET /registry says where the registry is (`slipway container:login` logs Docker in there).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';
import { disabledAccountMessage } from '../auth/credentials.js';
import { identify } from '../auth/identify.js';
import { readRegistryCredentials, type RegistryCredentials } from '../../common/registry-auth.js';
import { parseScope, REGISTRY_INFO_PATH, REGISTRY_TOKEN_PATH, REGISTRY_TOKEN_SERVICE, type RequestedAccess } from '../../common/registry-token.js';
import type { Services } from '../services.js';
import { appsNamed, grantAccess, type RegistryPrincipal, type RegistryRepositories } from './access.js';
import type { RegistryTokenSigner } from './token-signer.js';

export interface RegistryTokenServerOptions {
  /** host[:port] of the registry, as users reach it (GET /registry tells the CLI). */
  registry: string;
  signer: RegistryTokenSigner;
  repositories: RegistryRepositories;
  /** The platform's registry credentials file, read at each request (null: only users' tokens). */
  platformCredentialsFile: string | null;
}

/** Pure: the user name and password of a Basic Authorization header, or null. */
export function basicCredentials(header: string | undefined): { username: string; password: string } | null {
  const match = header ? /^\s*basic\s+(\S+)\s*$/i.exec(header) : null;
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** Whether the presented login is the platform's, compared in constant time. */
export function isPlatformLogin(presented: { username: string; password: string }, platform: RegistryCredentials): boolean {
  const sameUser = timingSafeEqual(digest(presented.username), digest(platform.username));
  const samePassword = timingSafeEqual(digest(presented.password), digest(platform.secret));
  return sameUser && samePassword;
}

/** Pure: the scopes of a token request (`scope` may repeat, and each may hold several, space-separated). */
export function requestedScopes(scope: string | string[] | undefined): RequestedAccess[] {
  const values = scope === undefined ? [] : Array.isArray(scope) ? scope : [scope];
  return values.flatMap((value) => value.split(/\s+/)).flatMap((one) => {
    const parsed = one ? parseScope(one) : null;
    return parsed ? [parsed] : [];
  });
}

function registryError(ctx: Context, status: number, code: string, message: string): void {
  if (status === 401) ctx.set('WWW-Authenticate', 'Basic realm="Slipway registry"');
  ctx.status = status;
  ctx.body = { errors: [{ code, message, detail: null }] };
}

export function registryTokenServer(services: Pick<Services, 'users' | 'apps' | 'access' | 'logger'>, options: RegistryTokenServerOptions) {
  return async (ctx: Context, next: Next): Promise<void> => {
    if (ctx.path === REGISTRY_INFO_PATH && ctx.method === 'GET') {
      ctx.body = { host: options.registry };
      return;
    }
    if (ctx.path !== REGISTRY_TOKEN_PATH) return next();
    if (ctx.method !== 'GET') return registryError(ctx, 405, 'UNSUPPORTED', 'Tokens are fetched with GET.');
    if (ctx.query.service !== undefined && ctx.query.service !== REGISTRY_TOKEN_SERVICE) {
      return registryError(ctx, 400, 'UNSUPPORTED', `This token server issues tokens for ${REGISTRY_TOKEN_SERVICE} only.`);
    }
    const authorization = ctx.get('authorization') || undefined;
    const basic = basicCredentials(authorization);
    let principal: RegistryPrincipal | null = null;
    let subject = '';
    if (basic && options.platformCredentialsFile) {
      const platform = await readRegistryCredentials(options.platformCredentialsFile);
      if (isPlatformLogin(basic, platform)) {
        principal = { kind: 'platform' };
        subject = platform.username;
      }
    }
    const requested = requestedScopes(ctx.query.scope);
    if (!principal) {
      const identity = await identify(services.users, authorization);
      if (identity.outcome === 'disabled') return registryError(ctx, 401, 'UNAUTHORIZED', disabledAccountMessage(identity.user));
      if (identity.outcome !== 'user') return registryError(ctx, 401, 'UNAUTHORIZED', 'Authentication failed: log in with your API token as the password.');
      const changeable = new Set<string>();
      for (const name of appsNamed(requested, options.repositories)) {
        const app = await services.apps.getByName(name);
        if (app && (await services.access.may(app, identity.user, 'change'))) changeable.add(name);
      }
      principal = { kind: 'user', changeable };
      subject = identity.user.email;
    }
    const issued = await options.signer.sign(subject, grantAccess(requested, principal, options.repositories));
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { token: issued.token, access_token: issued.token, expires_in: issued.expiresIn, issued_at: issued.issuedAt };
  };
}
