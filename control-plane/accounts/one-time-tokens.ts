// Single-use secrets mailed to a user (email verification, password reset, invitation): kept
// hashed in Redis with an expiry; using one deletes it (GETDEL), so a link works once.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { hashSecret } from '../../common/api-token.js';

export type OneTimePurpose = 'verify-email' | 'reset-password' | 'invitation';

const key = (purpose: OneTimePurpose, secret: string) => `slipway:one-time:${purpose}:${hashSecret(secret)}`;

export class OneTimeTokens {
  constructor(private readonly redis: Redis) {}

  /** A new secret for `subject` (a user id, or an invited email), valid `ttlSeconds`. */
  async issue(purpose: OneTimePurpose, subject: string, ttlSeconds: number): Promise<string> {
    const secret = randomBytes(24).toString('base64url');
    await this.redis.set(key(purpose, secret), subject, 'EX', ttlSeconds);
    return secret;
  }

  /** The subject the secret was issued for, once; null when unknown, used or expired. */
  consume(purpose: OneTimePurpose, secret: string): Promise<string | null> {
    return this.redis.getdel(key(purpose, secret));
  }

  /** The subject without using the secret up (an invitation is checked before the sign-up it allows). */
  peek(purpose: OneTimePurpose, secret: string): Promise<string | null> {
    return this.redis.get(key(purpose, secret));
  }
}
