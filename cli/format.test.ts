import { describe, expect, it } from 'vitest';
import { formatKeyValues, formatShellAssignments, formatTable, formatTime, heading, listInWords, shellQuote } from './format.js';

describe('formatTable', () => {
  const rows = [
    { name: 'web.1', state: 'up', port: 31001 },
    { name: 'worker.10', state: 'crashed', port: 7 },
  ];
  const columns = [
    { header: 'NAME', value: (r: (typeof rows)[number]) => r.name },
    { header: 'PORT', value: (r: (typeof rows)[number]) => String(r.port), align: 'right' as const },
    { header: 'STATE', value: (r: (typeof rows)[number]) => r.state },
  ];

  it('aligns columns under a header and a rule, without trailing spaces', () => {
    expect(formatTable(rows, columns)).toEqual([
      'NAME        PORT  STATE',
      '---------  -----  -------',
      'web.1      31001  up',
      'worker.10      7  crashed',
    ]);
  });

  it('sizes columns by the header when there are no rows', () => {
    expect(formatTable([], columns)).toEqual(['NAME  PORT  STATE', '----  ----  -----']);
  });

  it('keeps a row on one line when a value holds a newline', () => {
    const lines = formatTable([{ name: 'a\nb', state: 'up', port: 1 }], columns);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('a b      1  up');
  });

  it('counts characters, not UTF-16 units', () => {
    const lines = formatTable([{ name: '🚀x', state: 'up', port: 1 }], columns);
    expect(lines[2]).toBe('🚀x       1  up');
  });
});

describe('formatKeyValues', () => {
  it('aligns values after the longest key', () => {
    expect(formatKeyValues([
      ['Owner', 'a@b.c'],
      ['Web URL', 'http://x/'],
      ['Dynos', ''],
    ])).toEqual(['Owner:   a@b.c', 'Web URL: http://x/', 'Dynos:']);
  });
});

describe('small formatters', () => {
  it('formats times in UTC to the second and leaves odd input alone', () => {
    expect(formatTime('2026-11-24T22:00:05.123Z')).toBe('2026-11-24 22:00:05 UTC');
    expect(formatTime('2026-11-24T23:00:05+01:00')).toBe('2026-11-24 22:00:05 UTC');
    expect(formatTime('yesterday')).toBe('yesterday');
    expect(formatTime(null)).toBe('');
  });

  it('lists words', () => {
    expect(listInWords([])).toBe('');
    expect(listInWords(['A'])).toBe('A');
    expect(listInWords(['A', 'B'])).toBe('A and B');
    expect(listInWords(['A', 'B', 'C'])).toBe('A, B and C');
  });

  it('headings', () => {
    expect(heading('hello')).toBe('=== hello');
  });

  it('quotes shell words only when needed, and safely', () => {
    expect(shellQuote('/usr/bin/node')).toBe('/usr/bin/node');
    expect(shellQuote('/home/my user/slipway')).toBe("'/home/my user/slipway'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('$(rm -rf /)')).toBe("'$(rm -rf /)'");
    expect(shellQuote('')).toBe("''");
  });

  it('prints config as shell assignments, sorted', () => {
    expect(formatShellAssignments({ B: 'two words', A: 'x=y' })).toEqual(['A=x=y', "B='two words'"]);
  });
});
