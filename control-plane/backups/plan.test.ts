import { describe, expect, it } from 'vitest';
import { backupId, backupNumber, backupObjectKey, backupsBeyondRetention, CAPTURE_TIMEOUT_MS, dueRunDay, formatScheduleAt, isAbandoned, nextScheduledRun, parseScheduleAt } from './plan.js';

describe('backup ids', () => {
  it('count b001, b002 … like Heroku, and read back', () => {
    expect([1, 2, 99, 999, 1000].map(backupId)).toEqual(['b001', 'b002', 'b099', 'b999', 'b1000']);
    expect(backupNumber('b042')).toBe(42);
    expect(backupNumber('b1000')).toBe(1000);
    expect(backupNumber('a001')).toBeNull();
    expect(backupNumber('b1')).toBeNull();
    expect(() => backupId(0)).toThrow();
  });

  it('name their objects under the add-on, salted', () => {
    expect(backupObjectKey('ad-1', 'b003', 'x9')).toBe('addons/ad-1/b003-x9.dump.enc');
  });
});

describe('retention', () => {
  const b = (n: number, status: 'pending' | 'running' | 'succeeded' | 'failed' = 'succeeded') => ({ id: backupId(n), status });

  it('lets the succeeded ones beyond the newest N go, oldest first, counting no failed or running one', () => {
    const backups = [b(3), b(1), b(2, 'failed'), b(5), b(4), b(6, 'running'), b(10)];
    expect(backupsBeyondRetention(backups, 2).map((x) => x.id)).toEqual(['b001', 'b003', 'b004']);
    expect(backupsBeyondRetention(backups, 5)).toEqual([]);
    expect(backupsBeyondRetention(backups, 0).map((x) => x.id)).toEqual(['b001', 'b003', 'b004', 'b005', 'b010']);
  });
});

describe('schedules', () => {
  it('read Heroku’s --at in UTC and refuse other zones and non-times', () => {
    expect(parseScheduleAt('02:00 UTC')).toEqual({ hour: 2, minute: 0 });
    expect(parseScheduleAt('2:30')).toEqual({ hour: 2, minute: 30 });
    expect(parseScheduleAt('23:59 utc')).toEqual({ hour: 23, minute: 59 });
    expect(parseScheduleAt('24:00 UTC')).toMatchObject({ error: expect.stringMatching(/not a time/) });
    expect(parseScheduleAt('02:00 America/New_York')).toMatchObject({ error: expect.stringMatching(/UTC/) });
    expect(parseScheduleAt('noon')).toMatchObject({ error: expect.any(String) });
    expect(formatScheduleAt({ hour: 2, minute: 5 })).toBe('02:05 UTC');
  });

  it('run next today if the time is still ahead, else tomorrow (across a month’s end)', () => {
    const at = { hour: 2, minute: 0 };
    expect(nextScheduledRun(at, new Date('2026-12-05T01:59:00Z')).toISOString()).toBe('2026-12-05T02:00:00.000Z');
    expect(nextScheduledRun(at, new Date('2026-12-05T02:00:00Z')).toISOString()).toBe('2026-12-05T02:00:00.000Z');
    expect(nextScheduledRun(at, new Date('2026-12-31T02:00:01Z')).toISOString()).toBe('2027-01-01T02:00:00.000Z');
  });

  it('are due once the day’s time has passed, keyed by the day', () => {
    const at = { hour: 2, minute: 0 };
    expect(dueRunDay(at, new Date('2026-12-05T01:59:59Z'))).toBeNull();
    expect(dueRunDay(at, new Date('2026-12-05T02:00:00Z'))).toBe('2026-12-05');
    expect(dueRunDay(at, new Date('2026-12-05T23:00:00Z'))).toBe('2026-12-05');
    // made after today's time: first due tomorrow
    expect(dueRunDay(at, new Date('2026-12-05T23:00:00Z'), new Date('2026-12-05T03:00:00Z'))).toBeNull();
    expect(dueRunDay(at, new Date('2026-12-06T02:00:00Z'), new Date('2026-12-05T03:00:00Z'))).toBe('2026-12-06');
  });
});

describe('abandoned captures', () => {
  it('are pending or running past the capture timeout (a minute’s margin); finished ones never are', () => {
    const started = '2026-12-05T00:00:00.000Z';
    const at = (ms: number) => new Date(Date.parse(started) + ms);
    expect(isAbandoned({ status: 'running', createdAt: started, startedAt: started }, at(CAPTURE_TIMEOUT_MS))).toBe(false);
    expect(isAbandoned({ status: 'running', createdAt: started, startedAt: started }, at(CAPTURE_TIMEOUT_MS + 61_000))).toBe(true);
    expect(isAbandoned({ status: 'pending', createdAt: started, startedAt: null }, at(CAPTURE_TIMEOUT_MS + 61_000))).toBe(true);
    expect(isAbandoned({ status: 'succeeded', createdAt: started, startedAt: started }, at(10 * CAPTURE_TIMEOUT_MS))).toBe(false);
  });
});
