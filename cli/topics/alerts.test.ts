import { describe, expect, it } from 'vitest';
import { newAlertBody, ruleText } from './alerts.js';

describe('slipway alerts', () => {
  it('turns options into the API’s body', () => {
    expect(newAlertBody({ p95: '500', minutes: '5', webhook: 'https://h.test/x' })).toEqual({ metric: 'p95_ms', threshold: 500, minutes: 5, webhook_url: 'https://h.test/x' });
    expect(newAlertBody({ errorRate: '2.5', minutes: '10', email: 'a@b.co' })).toEqual({ metric: 'error_rate', threshold: 0.025, minutes: 10, email: 'a@b.co' });
    expect(() => newAlertBody({ minutes: '5', email: 'a@b.co' })).toThrow(/--p95 MS and --error-rate/);
    expect(() => newAlertBody({ p95: '5', minutes: '5' })).toThrow(/--email ADDRESS and --webhook URL/);
    expect(() => newAlertBody({ p95: 'fast', minutes: '5', email: 'a@b.co' })).toThrow('--p95 must be a positive number.');
  });

  it('says rules in words', () => {
    expect(ruleText({ metric: 'p95_ms', threshold: 500, minutes: 5 })).toBe('p95 > 500 ms over 5 min');
    expect(ruleText({ metric: 'error_rate', threshold: 0.025, minutes: 1 })).toBe('5xx > 2.5% over 1 min');
  });
});
