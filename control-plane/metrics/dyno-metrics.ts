// Dynos' memory and CPU over time, as their agents sample them: a sorted set per app in Redis
// (score: the time), kept for the retention and no more samples than a bound. A sample is taken
// only from the agent of the host its instance runs on.
import type { Redis } from 'ioredis';
import type { DynoMetrics } from '../../common/protocol.js';
import type { InstanceStore } from '../store/instances.js';
import { keys } from '../store/keys.js';

export interface StoredSample {
  at: string;
  instanceId: string;
  dyno: string;
  memoryRssBytes: number;
  memoryLimitBytes: number;
  cpuPercent: number;
}

/** Samples kept per app at most (a day of 30 s samples for 10 dynos is 28,800). */
const MAX_SAMPLES_PER_APP = 50_000;

export class DynoMetricsStore {
  constructor(
    private readonly redis: Redis,
    private readonly instances: Pick<InstanceStore, 'get'>,
    private readonly retentionMs: number,
  ) {}

  /** Keeps the samples of `metrics`, which came from `hostId`'s agent; returns how many were kept. */
  async add(hostId: string, metrics: DynoMetrics): Promise<number> {
    const atMs = Date.parse(metrics.at);
    if (metrics.hostId !== hostId || Number.isNaN(atMs)) return 0;
    let kept = 0;
    const touched = new Set<string>();
    for (const sample of metrics.dynos) {
      const instance = await this.instances.get(sample.instanceId);
      // an agent speaks only for the instances placed on its host
      if (!instance || instance.hostId !== hostId || instance.appId !== sample.appId) continue;
      const stored: StoredSample = { at: metrics.at, instanceId: sample.instanceId, dyno: sample.dyno, memoryRssBytes: sample.memoryRssBytes, memoryLimitBytes: sample.memoryLimitBytes, cpuPercent: sample.cpuPercent };
      await this.redis.zadd(keys.dynoMetrics(sample.appId), atMs, JSON.stringify(stored));
      touched.add(sample.appId);
      kept++;
    }
    for (const appId of touched) {
      await this.redis
        .multi()
        .zremrangebyscore(keys.dynoMetrics(appId), '-inf', `(${Date.now() - this.retentionMs}`)
        .zremrangebyrank(keys.dynoMetrics(appId), 0, -(MAX_SAMPLES_PER_APP + 1))
        .exec();
    }
    return kept;
  }

  /** The app's samples since `sinceMs`, oldest first. */
  async since(appId: string, sinceMs: number): Promise<StoredSample[]> {
    return (await this.redis.zrangebyscore(keys.dynoMetrics(appId), sinceMs, '+inf')).map((json) => JSON.parse(json) as StoredSample);
  }

  /** Forgets an app's samples (the app was deleted). */
  async purge(appId: string): Promise<void> {
    await this.redis.del(keys.dynoMetrics(appId));
  }
}
