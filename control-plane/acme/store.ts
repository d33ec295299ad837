// Automatic certificates' state in Redis: per app, each custom domain's AcmDomainState (a hash);
// and the HTTP-01 challenges being answered (token → key authorization, each expiring on its own,
// so a challenge left by a crashed order does not stay).
import type { Redis } from 'ioredis';
import type { AcmDomainState } from './policy.js';

const statesKey = (appId: string) => `slipway:app:${appId}:acm`;
const challengeKey = (token: string) => `slipway:acme:challenge:${token}`;
/** Longer than any order takes; Let's Encrypt's authorizations themselves last hours. */
const CHALLENGE_TTL_SECONDS = 3600;

export class AcmStore {
  constructor(private readonly redis: Redis) {}

  async states(appId: string): Promise<Map<string, AcmDomainState>> {
    const raw = await this.redis.hgetall(statesKey(appId));
    return new Map(Object.entries(raw).map(([hostname, json]) => [hostname, JSON.parse(json) as AcmDomainState]));
  }

  async save(appId: string, state: AcmDomainState): Promise<void> {
    await this.redis.hset(statesKey(appId), state.hostname, JSON.stringify(state));
  }

  /** A domain removed from the app, or ACM turned off (all of them). */
  async forget(appId: string, hostname?: string): Promise<void> {
    if (hostname) await this.redis.hdel(statesKey(appId), hostname);
    else await this.redis.del(statesKey(appId));
  }

  async putChallenge(token: string, keyAuthorization: string): Promise<void> {
    await this.redis.set(challengeKey(token), keyAuthorization, 'EX', CHALLENGE_TTL_SECONDS);
  }

  challenge(token: string): Promise<string | null> {
    return this.redis.get(challengeKey(token));
  }

  async removeChallenge(token: string): Promise<void> {
    await this.redis.del(challengeKey(token));
  }
}
