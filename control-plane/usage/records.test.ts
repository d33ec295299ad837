import { describe, expect, it } from 'vitest';
import { billable, summarize, usageCsv, usageRecord, type UsageRecord } from './records.js';

const T0 = Date.UTC(2026, 11, 1, 0, 0, 0);
const record = (key: string, startS: number, endS: number, over: Partial<UsageRecord> = {}): UsageRecord =>
  usageRecord({ key, account: 'user:u1', appId: 'a1', appName: 'shop', kind: 'dyno', processType: 'web', size: 'basic', ...over }, T0 + startS * 1000, T0 + endS * 1000);

describe('usage records', () => {
  it('bills dynos from asked to start until stopped or crashed', () => {
    expect(['starting', 'up', 'stopping'].every((s) => billable(s as never))).toBe(true);
    expect(billable('crashed')).toBe(false);
    expect(billable('down')).toBe(false);
  });

  it('measures a stretch in seconds between its ends', () => {
    expect(record('k', 0, 90)).toMatchObject({ start: '2026-12-01T00:00:00.000Z', end: '2026-12-01T00:01:30.000Z', seconds: 90 });
  });

  it('adds up per app, kind, process type and size, the part inside the period only', () => {
    const lines = summarize(
      [record('a', 0, 60), record('b', 60, 120), record('c', 0, 30, { processType: 'worker' }), record('d', 0, 10, { size: 'standard' }), record('e', 100, 200, { kind: 'build', processType: 'build', size: null })],
      T0,
      T0 + 150_000,
    );
    expect(lines).toEqual([
      { appName: 'shop', kind: 'build', processType: 'build', size: null, seconds: 50, requests: 0, bytes: 0 },
      { appName: 'shop', kind: 'dyno', processType: 'web', size: 'basic', seconds: 120, requests: 0, bytes: 0 },
      { appName: 'shop', kind: 'dyno', processType: 'web', size: 'standard', seconds: 10, requests: 0, bytes: 0 },
      { appName: 'shop', kind: 'dyno', processType: 'worker', size: 'basic', seconds: 30, requests: 0, bytes: 0 },
    ]);
    expect(summarize([record('a', 0, 60)], T0 + 60_000, T0 + 120_000)).toEqual([]);
  });

  it('counts a router window’s requests and bytes in the period where the window ends, once', () => {
    const window = (key: string, from: number, to: number, requests: number) =>
      ({ ...record(key, from, to, { kind: 'router', processType: 'router', size: null }), seconds: 0, requests, bytes: requests * 100 });
    const windows = [window('r1', 0, 10, 5), window('r2', 10, 20, 7), window('r3', 20, 30, 11)];
    const line = (requests: number) => [{ appName: 'shop', kind: 'router', processType: 'router', size: null, seconds: 0, requests, bytes: requests * 100 }];
    expect(summarize(windows, T0, T0 + 30_000)).toEqual(line(23));
    // a window across the boundary counts in the later period only
    expect(summarize(windows, T0, T0 + 15_000)).toEqual(line(5));
    expect(summarize(windows, T0 + 15_000, T0 + 30_000)).toEqual(line(18));
  });

  it('writes CSV a spreadsheet reads, quoting what needs it', () => {
    const csv = usageCsv([record('dyno:i1:1', 0, 1.5, { appName: 'a,"b"' })]);
    expect(csv.split('\r\n')).toEqual([
      'key,account,app_id,app,kind,process_type,size,start,end,seconds,requests,bytes',
      'dyno:i1:1,user:u1,a1,"a,""b""",dyno,web,basic,2026-12-01T00:00:00.000Z,2026-12-01T00:00:01.500Z,1.5,,',
      '',
    ]);
  });
});
