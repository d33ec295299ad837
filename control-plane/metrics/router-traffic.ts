// Each app's traffic through the routers, window by window (requests by status class, bytes,
// latency percentiles): a sorted set per app in Redis, kept for the metrics retention.
import type { Redis } from 'ioredis';
import type { AppTrafficWindow, RouterTraffic } from '../../common/protocol.js';
import { keys } from '../store/keys.js';

/** One router window of one app, as kept: the window's times and the app's figures. */
export type TrafficSample = Pick<RouterTraffic, 'windowStart' | 'windowEnd'> & Omit<AppTrafficWindow, 'appId' | 'appName'>;

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
      const { appId: _, appName: __, ...figures } = app;
      const sample: TrafficSample = { windowStart: traffic.windowStart, windowEnd: traffic.windowEnd, ...figures };
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

  /** When the app's last window with requests ended (ms), or null when none is kept. */
  async lastRequestWindowEnd(appId: string): Promise<number | null> {
    const [, score] = await this.redis.zrevrange(keys.routerTraffic(appId), 0, 0, 'WITHSCORES');
    return score === undefined ? null : Number(score);
  }

  async purge(appId: string): Promise<void> {
    await this.redis.del(keys.routerTraffic(appId));
  }
}
