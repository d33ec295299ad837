import { describe, expect, it } from 'vitest';
import type { DynoMetricsJson } from '../../common/api-shapes.js';
import { metricsLines, squeeze } from './metrics.js';

const sample = (n: number) => ({ at: `2026-12-05T12:00:${String(n).padStart(2, '0')}Z`, memory_rss_mb: 40 + n, memory_limit_mb: 512, cpu_percent: n });

describe('slipway metrics', () => {
  it('squeezes a long series into the chart’s width by averaging', () => {
    expect(squeeze([1, 2, 3], 5)).toEqual([1, 2, 3]);
    expect(squeeze([1, 3, 5, 7], 2)).toEqual([2, 6]);
  });

  it('shows each dyno’s latest figures and charts memory and CPU', () => {
    const metrics: DynoMetricsJson = { app: 'shop', since: 's', dynos: [{ dyno: 'web.1', instance_id: 'i1', restarts: 2, samples: [sample(1), sample(2), sample(8)] }] };
    const lines = metricsLines(metrics);
    expect(lines[0]).toBe('=== web.1: memory 48 MB of 512 MB (9%), CPU 8%, restarts 2 (3 samples)');
    expect(lines[1]).toBe('memory (MB)');
    expect(lines[2]!.split('\n')).toHaveLength(6);
    expect(lines[2]).toMatch(/48\.00 ┤/);
    expect(lines[3]).toBe('CPU (%)');
  });

  it('says when there is nothing yet', () => {
    expect(metricsLines({ app: 'shop', since: 's', dynos: [] })[0]).toMatch(/^No samples of shop's dynos since s/);
  });
});
