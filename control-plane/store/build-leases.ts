// Builds in progress, platform-wide: each holds its app's build lock and a place in one queue
// under a short lease that its control plane renews while it runs. A control plane that dies
// stops renewing, so its builds can be told from live ones and cleaned up (see
// builds/orphans.ts); the first `concurrency` places of the queue may build.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { keys } from './keys.js';

export const BUILD_LEASE_MS = 15_000;

export interface LeaseHolder {
  appId: string;
  /** the control plane holding it (its identity survives restarts: see control-plane-id.ts) */
  owner: string;
  /** the app build lock's value while this build holds it */
  lockToken: string;
}

export class BuildLeases {
  constructor(
    private readonly redis: Redis,
    private readonly leaseMs = BUILD_LEASE_MS,
  ) {}

  /** Takes the app's build lock (null if a build holds it). */
  async lockApp(appId: string): Promise<string | null> {
    const token = randomUUID();
    const ok = await this.redis.set(keys.appBuildLock(appId), token, 'PX', this.leaseMs, 'NX');
    return ok === 'OK' ? token : null;
  }

  /** Whether a build of the app is under way (it holds the lock until its release exists). */
  async building(appId: string): Promise<boolean> {
    return (await this.redis.exists(keys.appBuildLock(appId))) === 1;
  }

  /** Joins the queue under a lease. */
  async join(buildId: string, holder: LeaseHolder): Promise<void> {
    const ticket = await this.redis.incr(keys.buildTickets);
    await this.redis
      .multi()
      .hset(keys.buildLeaseHolders, buildId, JSON.stringify(holder))
      .zadd(keys.buildLeaseExpiry, Date.now() + this.leaseMs, buildId)
      .zadd(keys.buildQueue, ticket, buildId)
      .exec();
  }

  /** 0 when the build may run, else how many builds must finish before it may. */
  async waiting(buildId: string, concurrency: number): Promise<number> {
    const rank = await this.redis.zrank(keys.buildQueue, buildId);
    if (rank === null) throw new Error(`build ${buildId} is not queued`);
    return Math.max(0, rank - concurrency + 1);
  }

  /** Extends the lease and the app lock; false if either was lost (taken as an orphan). */
  async renew(buildId: string, holder: LeaseHolder): Promise<boolean> {
    const [lease, lock] = (await this.redis
      .multi()
      .zadd(keys.buildLeaseExpiry, 'XX', 'CH', Date.now() + this.leaseMs, buildId)
      .get(keys.appBuildLock(holder.appId))
      .exec()) as [[Error | null, number], [Error | null, string | null]];
    if (lease[1] !== 1 || lock[1] !== holder.lockToken) return false;
    await this.redis.pexpire(keys.appBuildLock(holder.appId), this.leaseMs);
    return true;
  }

  /** Drops a build's lease and place, and its app lock if still its own. */
  async release(buildId: string | null, appId: string, lockToken: string): Promise<void> {
    if (buildId) {
      await this.redis.multi().zrem(keys.buildQueue, buildId).zrem(keys.buildLeaseExpiry, buildId).hdel(keys.buildLeaseHolders, buildId).exec();
    }
    if ((await this.redis.get(keys.appBuildLock(appId))) === lockToken) await this.redis.del(keys.appBuildLock(appId));
  }

  /** The builds under a live lease (queued or running), with their apps. */
  async live(): Promise<{ buildId: string; appId: string }[]> {
    const now = Date.now();
    const [expiry, holders] = await Promise.all([this.redis.zrange(keys.buildLeaseExpiry, 0, -1, 'WITHSCORES'), this.redis.hgetall(keys.buildLeaseHolders)]);
    const found: { buildId: string; appId: string }[] = [];
    for (let i = 0; i < expiry.length; i += 2) {
      const buildId = expiry[i]!;
      const holder = holders[buildId];
      if (Number(expiry[i + 1]) > now && holder) found.push({ buildId, appId: (JSON.parse(holder) as LeaseHolder).appId });
    }
    return found;
  }

  /** Builds whose lease ran out, or that belong to `owner` (this control plane before a restart). */
  async orphans(owner: string | null): Promise<{ buildId: string; holder: LeaseHolder }[]> {
    const expired = new Set(await this.redis.zrangebyscore(keys.buildLeaseExpiry, '-inf', Date.now()));
    const all = await this.redis.hgetall(keys.buildLeaseHolders);
    const found: { buildId: string; holder: LeaseHolder }[] = [];
    for (const [buildId, json] of Object.entries(all)) {
      const holder = JSON.parse(json) as LeaseHolder;
      if (expired.has(buildId) || holder.owner === owner) found.push({ buildId, holder });
    }
    return found;
  }
}
