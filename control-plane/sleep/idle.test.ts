import { describe, expect, it } from 'vitest';
import { sleepDue, type IdleFacts } from './idle.js';

const base: IdleFacts = { sleepAfterMs: 60_000, lastRequestMs: 10_000, webStartedMs: [5_000], maintenance: false, asleep: false, now: 70_000 };

describe('free-tier sleep', () => {
  it('sleeps an app idle for its plan’s time since its last request or dyno start', () => {
    expect(sleepDue(base)).toBe(true);
    expect(sleepDue({ ...base, now: 69_999 })).toBe(false);
    // a dyno started later (a deploy, a wake) restarts the clock
    expect(sleepDue({ ...base, webStartedMs: [5_000, 20_000] })).toBe(false);
    // no request ever: the dyno's start is the last activity
    expect(sleepDue({ ...base, lastRequestMs: null, now: 65_000 })).toBe(true);
  });

  it('never sleeps a plan without sleep, an app with no web dyno running, one asleep already or in maintenance', () => {
    expect(sleepDue({ ...base, sleepAfterMs: null })).toBe(false);
    expect(sleepDue({ ...base, webStartedMs: [] })).toBe(false);
    expect(sleepDue({ ...base, asleep: true })).toBe(false);
    expect(sleepDue({ ...base, maintenance: true })).toBe(false);
  });
});
