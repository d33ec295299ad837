// Partners' OAuth secrets in Redis, each kept only as the SHA-256 of the secret (found by it,
// never read back): grant codes (expiring, taken once with GETDEL), access tokens (expiring)
// and refresh tokens. Each add-on's keys are listed in a set, so deprovisioning revokes them all.
import type { Redis } from 'ioredis';
import { hashSecret } from '../../common/api-token.js';
import type { ExpiringScope, OAuthScope } from './oauth.js';

const prefix = 'slipway:partner-oauth';
const codeKey = (code: string) => `${prefix}:code:${hashSecret(code)}`;
const usedKey = (code: string) => `${prefix}:code-used:${hashSecret(code)}`;
const accessKey = (token: string) => `${prefix}:access:${hashSecret(token)}`;
const refreshKey = (token: string) => `${prefix}:refresh:${hashSecret(token)}`;
const addonKey = (addonId: string) => `${prefix}:addon:${addonId}`;

const parse = <T>(raw: string | null): T | null => (raw ? (JSON.parse(raw) as T) : null);
const ttl = (scope: ExpiringScope) => Math.max(1, Date.parse(scope.expiresAt) - Date.now());

export class PartnerOAuthStore {
  constructor(private readonly redis: Redis) {}

  async putGrant(code: string, scope: ExpiringScope): Promise<void> {
    await this.redis.multi().set(codeKey(code), JSON.stringify(scope), 'PX', ttl(scope)).sadd(addonKey(scope.addonId), codeKey(code)).exec();
  }

  /** Read without taking it (a wrong client secret does not spend the code). */
  async peekGrant(code: string): Promise<ExpiringScope | null> {
    return parse(await this.redis.get(codeKey(code)));
  }

  /** Taken once; a later try finds it marked used (until it would have expired) and under whose add-on. */
  async takeGrant(code: string): Promise<ExpiringScope | null> {
    const scope = parse<ExpiringScope>(await this.redis.getdel(codeKey(code)));
    if (scope) await this.redis.multi().set(usedKey(code), scope.addonId, 'PX', ttl(scope)).sadd(addonKey(scope.addonId), usedKey(code)).exec();
    return scope;
  }

  /** The add-on whose code this was, when it was exchanged already. */
  usedGrant(code: string): Promise<string | null> {
    return this.redis.get(usedKey(code));
  }

  async putAccess(token: string, scope: ExpiringScope): Promise<void> {
    await this.redis.multi().set(accessKey(token), JSON.stringify(scope), 'PX', ttl(scope)).sadd(addonKey(scope.addonId), accessKey(token)).exec();
    await this.prune(scope.addonId);
  }

  access(token: string): Promise<ExpiringScope | null> {
    return this.redis.get(accessKey(token)).then(parse<ExpiringScope>);
  }

  async putRefresh(token: string, scope: OAuthScope): Promise<void> {
    await this.redis.multi().set(refreshKey(token), JSON.stringify(scope)).sadd(addonKey(scope.addonId), refreshKey(token)).exec();
  }

  refresh(token: string): Promise<OAuthScope | null> {
    return this.redis.get(refreshKey(token)).then(parse<OAuthScope>);
  }

  /** Every code and token of the add-on, gone. */
  async revoke(addonId: string): Promise<void> {
    const keys = await this.redis.smembers(addonKey(addonId));
    await this.redis.del(...keys, addonKey(addonId));
  }

  /** Expired keys leave the add-on's set (each refresh adds one). */
  private async prune(addonId: string): Promise<void> {
    const keys = await this.redis.smembers(addonKey(addonId));
    const gone = (await Promise.all(keys.map(async (key) => ((await this.redis.exists(key)) === 0 ? key : null)))).filter((key): key is string => key !== null);
    if (gone.length > 0) await this.redis.srem(addonKey(addonId), ...gone);
  }
}
