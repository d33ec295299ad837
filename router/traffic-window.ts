// Per-app traffic over a window, for the metrics users see: requests by status class, bytes, and
// latency percentiles from a bounded uniform sample of the window's requests (reservoir
// sampling: a constant cost per request, a fixed memory per app however busy it is).

import type { AppTrafficWindow } from '../common/protocol.js';

/** An app's window, as routers publish it (common/protocol.ts) less the app's id. */
export type AppTraffic = Omit<AppTrafficWindow, 'appId'>;

interface Window {
  requests: number;
  bytes: number;
  classes: Record<string, number>;
  sample: number[];
  seen: number;
}

export const SAMPLE_SIZE = 2048;

/** Pure: the q-quantile (0..1) of ascending values, nearest rank; null for none. */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export class TrafficWindow {
  private apps = new Map<string, Window>();

  constructor(private readonly random: () => number = Math.random) {}

  /** One request of `appName`, its status and total time (null: unknown, e.g. aborted). */
  record(appName: string, statusClass: string, totalMs: number | null, bytes: number): void {
    let window = this.apps.get(appName);
    if (!window) this.apps.set(appName, (window = { requests: 0, bytes: 0, classes: {}, sample: [], seen: 0 }));
    window.requests++;
    window.bytes += bytes;
    window.classes[statusClass] = (window.classes[statusClass] ?? 0) + 1;
    if (totalMs === null) return;
    window.seen++;
    if (window.sample.length < SAMPLE_SIZE) window.sample.push(totalMs);
    else {
      const slot = Math.floor(this.random() * window.seen);
      if (slot < SAMPLE_SIZE) window.sample[slot] = totalMs;
    }
  }

  /** The window's traffic per app, and a new window begun. */
  drain(): AppTraffic[] {
    const apps = this.apps;
    this.apps = new Map();
    return [...apps].map(([appName, w]) => {
      const sorted = w.sample.sort((a, b) => a - b);
      return { appName, requests: w.requests, bytes: w.bytes, classes: w.classes, p50Ms: quantile(sorted, 0.5), p95Ms: quantile(sorted, 0.95), p99Ms: quantile(sorted, 0.99) };
    });
  }
}
