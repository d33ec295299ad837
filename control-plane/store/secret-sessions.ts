// Sessions behind a secret in a URL (attach URLs, log stream URLs): the secret is handed out
// once and kept only hashed in Redis, with what it opens, for a short time.
import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { z } from 'zod';

const SECRET = /^[A-Za-z0-9_-]{43}$/;

export class SecretSessions<T> {
  constructor(
    private readonly redis: Redis,
    /** Names the kind in Redis keys (`slipway:<kind>:<sha256 of the secret>`). */
    private readonly kind: string,
    private readonly schema: z.ZodType<T>,
    private readonly ttlSeconds: number,
  ) {}

  private key(secret: string): string {
    return `slipway:${this.kind}:${createHash('sha256').update(secret).digest('hex')}`;
  }

  /** A new secret for `session`, valid for the TTL. */
  async create(session: T): Promise<string> {
    const secret = randomBytes(32).toString('base64url');
    await this.redis.set(this.key(secret), JSON.stringify(session), 'EX', this.ttlSeconds);
    return secret;
  }

  /** The session behind a secret, still there for later reads; null when unknown or expired. */
  async get(secret: string): Promise<T | null> {
    if (!SECRET.test(secret)) return null;
    const raw = await this.redis.get(this.key(secret));
    return raw ? this.schema.parse(JSON.parse(raw)) : null;
  }

  /** The session behind a secret, used up by this call; null when unknown, used or expired. */
  async take(secret: string): Promise<T | null> {
    if (!SECRET.test(secret)) return null;
    const raw = await this.redis.getdel(this.key(secret));
    return raw ? this.schema.parse(JSON.parse(raw)) : null;
  }
}
