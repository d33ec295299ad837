import { expect, test } from 'vitest';
import { DEFAULT_RANGE_MAX, MAX_RANGE_MAX, pageByRange, parseRange, type ListRange } from './range.js';

const versions = Array.from({ length: 20 }, (_, i) => ({ version: i + 1 }));
const page = (header: string) => {
  const range = parseRange(header, ['version']) as ListRange;
  const { page: items, nextRange } = pageByRange(versions, (r) => r.version, range);
  return { versions: items.map((r) => r.version), nextRange };
};

test('what heroku releases sends: the newest 15, newest first, and where the rest starts', () => {
  expect(page('version ..; max=15, order=desc')).toEqual({
    versions: [20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6],
    nextRange: 'version ]6..; max=15, order=desc',
  });
  expect(page('version ]6..; max=15, order=desc')).toEqual({ versions: [5, 4, 3, 2, 1], nextRange: null });
});

test('ascending by default, bounds inclusive, exclusive start with ]', () => {
  expect(page('version 3..5')).toEqual({ versions: [3, 4, 5], nextRange: null });
  expect(page('version ]17..')).toEqual({ versions: [18, 19, 20], nextRange: null });
  expect(page('version ..; max=2')).toEqual({ versions: [1, 2], nextRange: 'version ]2..; max=2, order=asc' });
  expect(page('version 5..3; order=desc')).toEqual({ versions: [5, 4, 3], nextRange: null });
});

test('defaults and limits', () => {
  expect(parseRange(undefined, ['version'])).toBeNull();
  expect(parseRange('  ', ['version'])).toBeNull();
  expect(parseRange('version ..', ['version'])).toMatchObject({ max: DEFAULT_RANGE_MAX, order: 'asc' });
  expect(parseRange('version ..; max=100000', ['version'])).toMatchObject({ max: MAX_RANGE_MAX });
});

test.each(['name ..', 'version', 'version ..; max=0', 'version ..; order=up', 'version ..; limit=3', 'bytes=0-100'])('%j is a problem', (header) => {
  expect(parseRange(header, ['version'])).toEqual({ problem: expect.any(String) });
});
