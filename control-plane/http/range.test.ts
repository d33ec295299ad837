import { describe, expect, it } from 'vitest';
import { applyRange, parseRange, type RangeSpec } from './range.js';

const releases = [1, 2, 3, 4, 5].map((version) => ({ id: `r${version}`, version, description: `v${version}` }));

describe("Heroku's Range", () => {
  it('parses what the CLI sends, and says what is wrong otherwise', () => {
    expect(parseRange('version ..; max=2, order=desc')).toEqual({ field: 'version', first: null, afterFirst: false, last: null, max: 2, order: 'desc' });
    expect(parseRange('id ]r2..; max=10')).toMatchObject({ field: 'id', first: 'r2', afterFirst: true, max: 10 });
    expect(parseRange('name a..m')).toMatchObject({ first: 'a', last: 'm', max: 200, order: 'asc' });
    expect(parseRange('bogus')).toHaveProperty('problem');
    expect(parseRange('id ..; max=0')).toHaveProperty('problem');
    expect(parseRange('id ..; colour=red')).toHaveProperty('problem');
  });

  it('pages a list by a field, numbers as numbers, with the Next-Range that continues it', () => {
    const first = applyRange(releases, parseRange('version ..; max=2, order=desc') as RangeSpec);
    expect(first).toEqual({ items: [releases[4], releases[3]], nextRange: 'version ]4..; max=2, order=desc', contentRange: 'version 5..4' });
    const second = applyRange(releases, parseRange((first as { nextRange: string }).nextRange) as RangeSpec);
    expect(second).toMatchObject({ items: [releases[2], releases[1]], nextRange: 'version ]2..; max=2, order=desc' });
    const last = applyRange(releases, parseRange('version ]2..; max=2, order=desc') as RangeSpec);
    expect(last).toMatchObject({ items: [releases[0]], nextRange: null });
    expect(applyRange(releases, parseRange('version 2..3') as RangeSpec)).toMatchObject({ items: [releases[1], releases[2]], nextRange: null });
  });

  it('refuses a field the items cannot be ordered by', () => {
    expect(applyRange(releases, parseRange('owner ..') as RangeSpec)).toHaveProperty('problem');
    expect(applyRange([], parseRange('owner ..') as RangeSpec)).toMatchObject({ items: [], nextRange: null });
  });
});
