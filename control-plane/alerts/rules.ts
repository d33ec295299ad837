// Pure: what an alert watches and when it fires. An alert looks at the app's router windows of
// the last `minutes`: the worst p95 latency, or the share of 5xx answers; it fires when that is
// above the threshold and resolves when it is back under. Only changes are told (no repeats
// while it fires).
import type { TrafficSample } from '../metrics/router-traffic.js';

export type AlertMetric = 'p95_ms' | 'error_rate';

export interface AlertRule {
  metric: AlertMetric;
  /** ms for p95_ms; a share (0..1) for error_rate */
  threshold: number;
  minutes: number;
}

/** Pure: the value the rule watches over these windows; null when there was no traffic. */
export function observed(rule: AlertRule, windows: readonly TrafficSample[]): number | null {
  if (rule.metric === 'p95_ms') {
    const values = windows.map((w) => w.p95Ms).filter((v): v is number => v !== null);
    return values.length === 0 ? null : Math.max(...values);
  }
  const requests = windows.reduce((sum, w) => sum + w.requests, 0);
  if (requests === 0) return null;
  return windows.reduce((sum, w) => sum + (w.classes['5xx'] ?? 0), 0) / requests;
}

export type AlertState = 'ok' | 'firing';

/** Pure: the state the rule is in given what it observed (no traffic: as it was). */
export function nextState(rule: AlertRule, value: number | null, current: AlertState): AlertState {
  if (value === null) return current;
  return value > rule.threshold ? 'firing' : 'ok';
}

/** Pure: the rule in words, for messages. */
export function describeRule(rule: AlertRule): string {
  return rule.metric === 'p95_ms'
    ? `p95 latency above ${rule.threshold} ms over ${rule.minutes} min`
    : `5xx error rate above ${Math.round(rule.threshold * 10_000) / 100}% over ${rule.minutes} min`;
}

export function describeValue(rule: AlertRule, value: number | null): string {
  if (value === null) return 'no traffic';
  return rule.metric === 'p95_ms' ? `${value} ms` : `${Math.round(value * 10_000) / 100}%`;
}
