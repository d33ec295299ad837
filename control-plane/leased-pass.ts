// Periodic work that one control plane does at a time: each pass first takes a Redis lease (the
// others skip theirs), and a pass never overlaps one still running in this process.
import type { Redis } from 'ioredis';
import { LeaderLease } from './scheduler/leader.js';

export class LeasedPass {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly lease: LeaderLease;

  /** `leaseMs`: longer than a pass takes, so another control plane does not start one meanwhile. */
  constructor(
    redis: Redis,
    key: string,
    leaseMs: number,
    private readonly work: () => Promise<void>,
    private readonly onError: (err: unknown) => void,
  ) {
    this.lease = new LeaderLease(redis, key, leaseMs);
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.run(), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => {});
  }

  /** One pass now, unless one runs here or another control plane holds the lease. */
  run(): Promise<void> {
    this.running ??= (async () => {
      try {
        if (await this.lease.refresh()) await this.work();
      } catch (err) {
        this.onError(err);
      } finally {
        await this.lease.release();
        this.running = null;
      }
    })();
    return this.running;
  }
}
