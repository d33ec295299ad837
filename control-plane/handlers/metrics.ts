// Metrics users see: their app's dynos' memory (RSS and limit), CPU and restarts over a period.
import Router from '@koa/router';
import { z } from 'zod';
import { InvalidParamsError } from '../../common/errors.js';
import type { AppMetricsJson } from '../../common/api-shapes.js';
import { queryOf, spec } from '../http/api-spec.js';
import { loadApp } from '../http/load-app.js';
import type { StoredSample } from '../metrics/dyno-metrics.js';
import type { TrafficSample } from '../metrics/router-traffic.js';
import type { Services } from '../services.js';

const period = z.object({ minutes: z.coerce.number().int().min(1).max(7 * 24 * 60).default(60) });
const mb = (bytes: number) => Math.round((bytes / (1024 * 1024)) * 10) / 10;

/** Pure: samples grouped per dyno instance, in time order, with its restarts. */
export function dynoSeries(samples: readonly StoredSample[], restarts: ReadonlyMap<string, number>): AppMetricsJson['dynos'] {
  const byInstance = new Map<string, AppMetricsJson['dynos'][number]>();
  for (const sample of samples) {
    const series = byInstance.get(sample.instanceId) ?? { dyno: sample.dyno, instance_id: sample.instanceId, restarts: restarts.get(sample.instanceId) ?? null, samples: [] };
    series.samples.push({ at: sample.at, memory_rss_mb: mb(sample.memoryRssBytes), memory_limit_mb: mb(sample.memoryLimitBytes), cpu_percent: sample.cpuPercent });
    byInstance.set(sample.instanceId, series);
  }
  return [...byInstance.values()].sort((a, b) => a.dyno.localeCompare(b.dyno, undefined, { numeric: true }) || a.samples[0]!.at.localeCompare(b.samples[0]!.at));
}

/** Pure: a router window as the API shows it. */
export function trafficJson(sample: TrafficSample): AppMetricsJson['router'][number] {
  const seconds = Math.max(0.001, (Date.parse(sample.windowEnd) - Date.parse(sample.windowStart)) / 1000);
  return {
    window_start: sample.windowStart,
    window_end: sample.windowEnd,
    requests: sample.requests,
    requests_per_second: Math.round((sample.requests / seconds) * 100) / 100,
    bytes: sample.bytes,
    status_classes: sample.classes,
    p50_ms: sample.p50Ms,
    p95_ms: sample.p95Ms,
    p99_ms: sample.p99Ms,
  };
}

export function metricsHandlers(services: Services): Router {
  const router = new Router();
  router.get('/apps/:app/metrics', spec({ summary: 'The app’s traffic (requests by status class, latency percentiles) and its dynos’ memory, CPU and restarts over the last minutes', query: period, response: { shape: 'AppMetricsJson' } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    const query = queryOf(ctx, period);
    if (!query.success) throw new InvalidParamsError('minutes is 1 to 10080 (a week).');
    const sinceMs = Date.now() - query.data.minutes * 60_000;
    const [samples, instances, traffic] = await Promise.all([services.dynoMetrics.since(app.id, sinceMs), services.instances.listForApp(app.id), services.routerTraffic.since(app.id, sinceMs)]);
    const body: AppMetricsJson = {
      app: app.name,
      since: new Date(sinceMs).toISOString(),
      router: traffic.map(trafficJson),
      dynos: dynoSeries(samples, new Map(instances.map((i) => [i.id, i.restarts]))),
    };
    ctx.body = body;
  });
  return router;
}
