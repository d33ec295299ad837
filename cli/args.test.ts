import { describe, expect, it } from 'vitest';
import { parseConfigAssignments, parseConfigNames, parsePositiveInteger, parseReleaseVersion, parseScaleArgs } from './args.js';
import { UsageError } from './errors.js';

describe('parseScaleArgs', () => {
  it('reads quantities, sizes and both', () => {
    expect(parseScaleArgs(['web=3', 'worker=1'])).toEqual([
      { type: 'web', quantity: 3 },
      { type: 'worker', quantity: 1 },
    ]);
    expect(parseScaleArgs(['web=2:standard'])).toEqual([{ type: 'web', quantity: 2, size: 'standard' }]);
    expect(parseScaleArgs(['web=performance'])).toEqual([{ type: 'web', size: 'performance' }]);
    expect(parseScaleArgs(['web=0'])).toEqual([{ type: 'web', quantity: 0 }]);
    expect(parseScaleArgs([])).toEqual([]);
  });

  it.each([
    ['web', /TYPE=QUANTITY/],
    ['=3', /TYPE=QUANTITY/],
    ['web=', /Invalid quantity/],
    ['web=-1', /Invalid quantity/],
    ['web=1.5', /Invalid quantity/],
    ['web=two', /Invalid quantity/],
    ['web=2:huge', /Unknown dyno size huge.*basic, standard, performance/],
    ['web=2:standard:x', /TYPE=QUANTITY/],
    ['Web=2', /Invalid process type/],
  ])('rejects %s', (arg, why) => {
    expect(() => parseScaleArgs([arg])).toThrow(UsageError);
    expect(() => parseScaleArgs([arg])).toThrow(why);
  });

  it('rejects a process type given twice', () => {
    expect(() => parseScaleArgs(['web=1', 'web=2'])).toThrow(/more than once/);
  });
});

describe('parseConfigAssignments', () => {
  it("splits at the first '=' only, so values keep theirs", () => {
    expect(parseConfigAssignments(['DATABASE_URL=postgres://u:p@h/db?sslmode=require', 'TOKEN=abc==', 'EMPTY='])).toEqual({
      DATABASE_URL: 'postgres://u:p@h/db?sslmode=require',
      TOKEN: 'abc==',
      EMPTY: '',
    });
  });

  it('lets a later assignment win', () => {
    expect(parseConfigAssignments(['A=1', 'A=2'])).toEqual({ A: '2' });
  });

  it('names the bad argument by position and never echoes what may be a secret', () => {
    const secret = 'sk_live_very_secret';
    expect(() => parseConfigAssignments(['A=1', secret])).toThrow(/argument 2 has no '='/);
    expect(() => parseConfigAssignments([secret])).not.toThrow(new RegExp(secret));
    expect(() => parseConfigAssignments([`=${secret}`])).toThrow(/no key/);
    const badName = `1${secret}=x`;
    let message = '';
    try {
      parseConfigAssignments([badName]);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/Invalid config var name in argument 1/);
    expect(message).not.toContain(secret);
  });
});

describe('parseConfigNames', () => {
  it('accepts names and drops repeats', () => {
    expect(parseConfigNames(['A', 'B_2', 'A'])).toEqual(['A', 'B_2']);
  });
  it('rejects names the API would refuse', () => {
    expect(() => parseConfigNames(['BAD-NAME'])).toThrow(/Invalid config var name BAD-NAME/);
    expect(() => parseConfigNames(['A=1'])).toThrow(UsageError);
  });
});

describe('parseReleaseVersion', () => {
  it('reads v3 and 3', () => {
    expect(parseReleaseVersion('v3')).toBe(3);
    expect(parseReleaseVersion('12')).toBe(12);
  });
  it.each(['v0', 'x3', 'v', '', '3.1', 'v-1'])('rejects %j', (arg) => {
    expect(() => parseReleaseVersion(arg)).toThrow(UsageError);
  });
});

describe('parsePositiveInteger', () => {
  it('reads whole numbers from 1', () => {
    expect(parsePositiveInteger('count', '1')).toBe(1);
    expect(parsePositiveInteger('count', '1500')).toBe(1500);
  });
  it.each(['0', '-1', '1e3', 'ten', ''])('rejects %j', (arg) => {
    expect(() => parsePositiveInteger('count', arg)).toThrow(/Invalid count/);
  });
});
