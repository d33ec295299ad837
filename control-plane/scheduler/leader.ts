// One scheduler leader at a time, elected through a Redis lease that the leader keeps renewing.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

// Extend the lease only if we still hold it (compare-and-set in one step).
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export class LeaderLease {
  readonly id = randomUUID();
  private held = false;

  constructor(private readonly redis: Redis, private readonly key: string, private readonly ttlMs = 10_000) {}

  get isLeader(): boolean {
    return this.held;
  }

  /** Acquires or renews the lease; returns whether this process leads now. */
  async refresh(): Promise<boolean> {
    try {
      if (this.held) {
        this.held = (await this.redis.eval(RENEW, 1, this.key, this.id, String(this.ttlMs))) === 1;
      }
      if (!this.held) {
        this.held = (await this.redis.set(this.key, this.id, 'PX', this.ttlMs, 'NX')) === 'OK';
      }
    } catch {
      this.held = false;
    }
    return this.held;
  }

  async release(): Promise<void> {
    // Unreachable Redis: the lease runs out by its TTL instead.
    if (this.held) await this.redis.eval(RELEASE, 1, this.key, this.id).catch(() => {});
    this.held = false;
  }
}
