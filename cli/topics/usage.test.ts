import { describe, expect, it } from 'vitest';
import { duration, usagePath, usageTable } from './usage.js';

describe('slipway usage', () => {
  it('says durations as people read them', () => {
    expect(duration(42)).toBe('42s');
    expect(duration(90.4)).toBe('1m 30s');
    expect(duration(7510)).toBe('2h 05m 10s');
  });

  it('names whose usage and the period', () => {
    expect(usagePath({}, 'json')).toBe('/account/usage?format=json');
    expect(usagePath({ app: 'shop', start: '2026-12-01' }, 'csv')).toBe('/apps/shop/usage?format=csv&start=2026-12-01');
    expect(usagePath({ user: 'a@b.co', end: '2026-12-31' }, 'json')).toBe('/users/a%40b.co/usage?format=json&end=2026-12-31');
    expect(() => usagePath({ app: 'a', team: 't' }, 'json')).toThrow(/Choose one/);
  });

  it('shows a line per app, kind, type and size', () => {
    const lines = usageTable({
      start: 's',
      end: 'e',
      scope: 'user:1',
      lines: [
        { app: 'shop', kind: 'dyno', process_type: 'web', size: 'basic', seconds: 3600, requests: 0, bytes: 0 },
        { app: 'shop', kind: 'router', process_type: 'router', size: null, seconds: 0, requests: 1200, bytes: 5_000_000 },
      ],
    });
    expect(lines[0]).toBe('=== Usage from s to e');
    expect(lines.at(-2)).toMatch(/^shop\s+dyno\s+web\s+basic\s+1h 00m 00s\s+3600\s*$/);
    expect(lines.at(-1)).toMatch(/^shop\s+router\s+router\s+1200\s+5000000$/);
    expect(usageTable({ start: 's', end: 'e', scope: 'x', lines: [] })).toEqual(['No usage from s to e.']);
  });
});
