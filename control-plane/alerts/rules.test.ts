import { describe, expect, it } from 'vitest';
import type { TrafficSample } from '../metrics/router-traffic.js';
import { describeRule, describeValue, nextState, observed, type AlertRule } from './rules.js';

const window = (requests: number, fives: number, p95: number | null): TrafficSample => ({ windowStart: 's', windowEnd: 'e', requests, bytes: 0, classes: { '2xx': requests - fives, '5xx': fives }, p50Ms: null, p95Ms: p95, p99Ms: null });
const p95: AlertRule = { metric: 'p95_ms', threshold: 100, minutes: 5 };
const errors: AlertRule = { metric: 'error_rate', threshold: 0.05, minutes: 5 };

describe('alert rules', () => {
  it('watch the worst p95 of the period, or its share of 5xx answers', () => {
    expect(observed(p95, [window(10, 0, 30), window(10, 0, 120), window(0, 0, null)])).toBe(120);
    expect(observed(errors, [window(90, 3, 5), window(10, 7, 5)])).toBe(0.1);
    expect(observed(p95, [])).toBeNull();
    expect(observed(errors, [window(0, 0, null)])).toBeNull();
  });

  it('fire above the threshold, resolve at or under it, and keep their state without traffic', () => {
    expect(nextState(p95, 101, 'ok')).toBe('firing');
    expect(nextState(p95, 100, 'firing')).toBe('ok');
    expect(nextState(p95, null, 'firing')).toBe('firing');
  });

  it('say themselves in words', () => {
    expect(describeRule(p95)).toBe('p95 latency above 100 ms over 5 min');
    expect(describeRule(errors)).toBe('5xx error rate above 5% over 5 min');
    expect(describeValue(errors, 0.1234)).toBe('12.34%');
    expect(describeValue(p95, null)).toBe('no traffic');
  });
});
