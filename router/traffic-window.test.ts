import { describe, expect, it } from 'vitest';
import { quantile, SAMPLE_SIZE, TrafficWindow } from './traffic-window.js';

describe('per-app traffic windows', () => {
  it('takes percentiles by nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantile(values, 0.5)).toBe(50);
    expect(quantile(values, 0.95)).toBe(95);
    expect(quantile(values, 0.99)).toBe(99);
    expect(quantile([], 0.5)).toBeNull();
  });

  it('counts requests, classes and bytes per app, and starts over at each drain', () => {
    const window = new TrafficWindow();
    for (let i = 1; i <= 100; i++) window.record('shop', i <= 95 ? '2xx' : '5xx', i, 10);
    window.record('blog', '4xx', null, 0);
    const [shop, blog] = window.drain();
    expect(shop).toEqual({ appName: 'shop', requests: 100, bytes: 1000, classes: { '2xx': 95, '5xx': 5 }, p50Ms: 50, p95Ms: 95, p99Ms: 99 });
    expect(blog).toEqual({ appName: 'blog', requests: 1, bytes: 0, classes: { '4xx': 1 }, p50Ms: null, p95Ms: null, p99Ms: null });
    expect(window.drain()).toEqual([]);
  });

  it('keeps a bounded uniform sample of a busy app', () => {
    let seed = 1;
    const window = new TrafficWindow(() => ((seed = (seed * 16807) % 2147483647) / 2147483647));
    const n = SAMPLE_SIZE * 20;
    for (let i = 0; i < n; i++) window.record('busy', '2xx', i % 1000, 0);
    const [busy] = window.drain();
    expect(busy!.requests).toBe(n);
    // uniform over 0..999: the percentiles land near the true ones
    expect(busy!.p50Ms).toBeGreaterThan(450);
    expect(busy!.p50Ms).toBeLessThan(550);
    expect(busy!.p99Ms).toBeGreaterThan(970);
  });
});
