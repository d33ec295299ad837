import { describe, expect, it } from 'vitest';
import type { AppMetricsJson } from '../../common/api-shapes.js';
import { metricsLines, squeeze, trafficLines } from './metrics.js';

const sample = (n: number) => ({ at: `2026-12-05T12:00:${String(n).padStart(2, '0')}Z`, memory_rss_mb: 40 + n, memory_limit_mb: 512, cpu_percent: n });

describe('slipway metrics', () => {
  it('squeezes a long series into the chart’s width by averaging', () => {
    expect(squeeze([1, 2, 3], 5)).toEqual([1, 2, 3]);
    expect(squeeze([1, 3, 5, 7], 2)).toEqual([2, 6]);
  });

  it('shows each dyno’s latest figures and charts memory and CPU', () => {
    const metrics: AppMetricsJson = { app: 'shop', since: 's', router: [], dynos: [{ dyno: 'web.1', instance_id: 'i1', restarts: 2, samples: [sample(1), sample(2), sample(8)] }] };
    const lines = metricsLines(metrics);
    expect(lines[0]).toBe('=== web.1: memory 48 MB of 512 MB (9%), CPU 8%, restarts 2 (3 samples)');
    expect(lines[1]).toBe('memory (MB)');
    expect(lines[2]!.split('\n')).toHaveLength(6);
    expect(lines[2]).toMatch(/48\.00 ┤/);
    expect(lines[3]).toBe('CPU (%)');
  });

  it('says when there is nothing yet', () => {
    expect(metricsLines({ app: 'shop', since: 's', router: [], dynos: [] })[0]).toMatch(/^No samples of shop's dynos since s/);
  });

  it('sums the router’s windows: requests, throughput, classes and latency', () => {
    const window = (start: number, requests: number, p95: number, classes: Record<string, number>) => ({
      window_start: new Date(start * 1000).toISOString(), window_end: new Date((start + 10) * 1000).toISOString(), requests, requests_per_second: requests / 10, bytes: 0, status_classes: classes, p50_ms: 2, p95_ms: p95, p99_ms: p95 * 2,
    });
    const lines = trafficLines([window(0, 100, 10, { '2xx': 98, '5xx': 2 }), window(10, 300, 30, { '2xx': 300 })]);
    expect(lines[0]).toBe('=== router: 400 requests, 20 req/s; 2xx 398, 3xx 0, 4xx 0, 5xx 2');
    expect(lines[1]).toBe('latest window: p50 2 ms, p95 30 ms, p99 60 ms; worst p95 30 ms');
    expect(lines[2]).toBe('p95 latency (ms)');
    expect(trafficLines([])).toEqual([]);
  });
});
