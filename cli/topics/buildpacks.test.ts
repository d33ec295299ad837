import { describe, expect, it } from 'vitest';
import { applyBuildpackChange, buildpackLines, changeMessage, parseIndex } from './buildpacks.js';

const A = 'https://git.example/a.git';
const B = 'https://git.example/b.git';
const C = 'https://tgz.example/c.tgz';

describe('buildpack list changes (the heroku CLI\'s rules)', () => {
  it('set replaces the first buildpack, or the one at --index, and may append one past the end', () => {
    expect(applyBuildpackChange([], { kind: 'set', buildpack: A })).toEqual([A]);
    expect(applyBuildpackChange([A, B], { kind: 'set', buildpack: C })).toEqual([C, B]);
    expect(applyBuildpackChange([A, B], { kind: 'set', buildpack: C, index: 2 })).toEqual([A, C]);
    expect(applyBuildpackChange([A], { kind: 'set', buildpack: B, index: 2 })).toEqual([A, B]);
    expect(() => applyBuildpackChange([A], { kind: 'set', buildpack: B, index: 3 })).toThrow('Invalid index. Please choose a value between 1 and 2');
    expect(() => applyBuildpackChange([A, B], { kind: 'set', buildpack: B })).toThrow(`The buildpack ${B} is already set on your app.`);
    expect(applyBuildpackChange([A], { kind: 'set', buildpack: A })).toEqual([A]);
  });

  it('add appends, or inserts at --index', () => {
    expect(applyBuildpackChange([A], { kind: 'add', buildpack: B })).toEqual([A, B]);
    expect(applyBuildpackChange([A, B], { kind: 'add', buildpack: C, index: 1 })).toEqual([C, A, B]);
    expect(applyBuildpackChange([A], { kind: 'add', buildpack: C, index: 9 })).toEqual([A, C]);
    expect(() => applyBuildpackChange([A], { kind: 'add', buildpack: A })).toThrow(`The buildpack ${A} is already set on your app.`);
  });

  it('remove takes a URL or an --index, not both and not neither', () => {
    expect(applyBuildpackChange([A, B], { kind: 'remove', buildpack: A })).toEqual([B]);
    expect(applyBuildpackChange([A, B], { kind: 'remove', index: 2 })).toEqual([A]);
    expect(() => applyBuildpackChange([A], { kind: 'remove', buildpack: A, index: 1 })).toThrow('Please choose either index or Buildpack, but not both.');
    expect(() => applyBuildpackChange([A], { kind: 'remove' })).toThrow(/Must specify a buildpack to remove, either by index or URL/);
    expect(() => applyBuildpackChange([A], { kind: 'remove', buildpack: B })).toThrow('Buildpack not found. Nothing was removed.');
    expect(() => applyBuildpackChange([A], { kind: 'remove', index: 2 })).toThrow('Invalid index. Only valid value is 1.');
    expect(() => applyBuildpackChange([A, B], { kind: 'remove', index: 3 })).toThrow('Invalid index. Please choose a value between 1 and 2');
    expect(() => applyBuildpackChange([], { kind: 'remove', index: 1 })).toThrow(/No buildpacks were found/);
  });

  it('parses --index as a whole number from 1', () => {
    expect(parseIndex(undefined)).toBeUndefined();
    expect(parseIndex('2')).toBe(2);
    for (const bad of ['0', '-1', '1.5', 'x']) expect(() => parseIndex(bad)).toThrow('Invalid index. Must be greater than 0.');
  });
});

describe('buildpack messages', () => {
  it('prints one buildpack plainly and several numbered', () => {
    expect(buildpackLines([A])).toEqual([A]);
    expect(buildpackLines([A, B])).toEqual([`1. ${A}`, `2. ${B}`]);
  });

  it('says what the next release uses, as the heroku CLI does', () => {
    expect(changeMessage('shop', 'set', [A])).toEqual([`Buildpack set. Next release on shop will use ${A}.`, 'Run git push slipway main to create a new release using this buildpack.']);
    expect(changeMessage('shop', 'added', [A, B])).toEqual([
      'Buildpack added. Next release on shop will use:',
      `  1. ${A}`,
      `  2. ${B}`,
      'Run git push slipway main to create a new release using these buildpacks.',
    ]);
    expect(changeMessage('shop', 'removed', [])).toEqual(['Buildpack removed. Next release on shop will detect buildpacks normally.']);
  });
});
