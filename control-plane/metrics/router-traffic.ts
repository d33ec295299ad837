// Each app's traffic through the routers, window by window (requests by status class, bytes,
// latency percentiles): a sorted set per app in Redis, kept for the metrics retention.
import type { Redis } from 'ioredis';
import type { RouterTraffic } from '../../common/protocol.js';
import { keys } from '../store/keys.js';

export interface TrafficSample {
  windowStart: string;
  windowEnd: string;
  requests: number;
  bytes: number;
  classes: Record<string, number>;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

const MAX_WINDOWS_PER_APP = 50_000;

export class RouterTrafficStore {
  constructor(
    private readonly redis: Redis,
    private readonly retentionMs: number,
  ) {}

  /** Keeps a router's window for each app it names that exists. */
  async add(traffic: RouterTraffic, appExists: (appId: string) => Promise<boolean>): Promise<number> {
    const endMs = Date.parse(traffic.windowEnd);
    if (Number.isNaN(endMs) || Number.isNaN(Date.parse(traffic.windowStart))) return 0;
    let kept = 0;
    for (const app of traffic.apps) {
      if (!(await appExists(app.appId))) continue;
      const sample: TrafficSample = { windowStart: traffic.windowStart, windowEnd: traffic.windowEnd, requests: app.requests, bytes: app.bytes, classes: app.classes, p50Ms: app.p50Ms, p95Ms: app.p95Ms, p99Ms: app.p99Ms };
      await this.redis
        .multi()
        .zadd(keys.routerTraffic(app.appId), endMs, JSON.stringify(sample))
        .zremrangebyscore(keys.routerTraffic(app.appId), '-inf', `(${Date.now() - this.retentionMs}`)
        .zremrangebyrank(keys.routerTraffic(app.appId), 0, -(MAX_WINDOWS_PER_APP + 1))
        .exec();
      kept++;
    }
    return kept;
  }

  async since(appId: string, sinceMs: number): Promise<TrafficSample[]> {
    return (await this.redis.zrangebyscore(keys.routerTraffic(appId), sinceMs, '+inf')).map((json) => JSON.parse(json) as TrafficSample);
  }

  async purge(appId: string): Promise<void> {
    await this.redis.del(keys.routerTraffic(appId));
  }
}
