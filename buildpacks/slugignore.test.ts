import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applySlugignore, isSlugignored, parseSlugignore } from './slugignore.js';

const ignored = (text: string, path: string, directory = false) => isSlugignored(parseSlugignore(text).patterns, path, directory);

describe('.slugignore patterns (gitignore syntax, without negation)', () => {
  it('matches a pattern without a slash at any depth', () => {
    expect(ignored('*.psd', 'logo.psd')).toBe(true);
    expect(ignored('*.psd', 'art/deep/logo.psd')).toBe(true);
    expect(ignored('*.psd', 'logo.psd.txt')).toBe(false);
    expect(ignored('spec', 'lib/spec', true)).toBe(true);
  });

  it('anchors a pattern with a slash at the root', () => {
    expect(ignored('/docs', 'docs', true)).toBe(true);
    expect(ignored('/docs', 'lib/docs', true)).toBe(false);
    expect(ignored('test/fixtures', 'test/fixtures', true)).toBe(true);
    expect(ignored('test/fixtures', 'a/test/fixtures', true)).toBe(false);
  });

  it('matches directories only with a trailing slash', () => {
    expect(ignored('tmp/', 'tmp', true)).toBe(true);
    expect(ignored('tmp/', 'tmp', false)).toBe(false);
  });

  it('supports ?, [...] and **', () => {
    expect(ignored('file?.txt', 'file1.txt')).toBe(true);
    expect(ignored('file?.txt', 'file10.txt')).toBe(false);
    expect(ignored('[ab].md', 'a.md')).toBe(true);
    expect(ignored('[!ab].md', 'c.md')).toBe(true);
    expect(ignored('[!ab].md', 'a.md')).toBe(false);
    expect(ignored('**/cache', 'x/y/cache', true)).toBe(true);
    expect(ignored('assets/**/*.map', 'assets/a/b/app.js.map')).toBe(true);
    expect(ignored('assets/**/*.map', 'assets/app.js.map')).toBe(true);
    expect(ignored('logs/**', 'logs/a/b.log')).toBe(true);
    expect(ignored('a*b', 'a/b')).toBe(false);
  });

  it('skips comments and blanks, and says why it skips negations and whole-app patterns', () => {
    const parsed = parseSlugignore('# comment\n\n*.log  \n!keep.log\n/\n**\n');
    expect(parsed.patterns.map((p) => p.source)).toEqual(['*.log']);
    expect(parsed.skipped).toEqual(['!keep.log: negation is not supported in .slugignore', '/: would delete the whole app', '**: would delete the whole app']);
  });

  it('treats regex characters literally', () => {
    expect(ignored('a+b(1).txt', 'a+b(1).txt')).toBe(true);
    expect(ignored('a.txt', 'abtxt')).toBe(false);
  });
});

describe('applySlugignore', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it('deletes what matches (whole directories, symlinks but not their targets) and counts it', async () => {
    const root = await mkdtemp(join(tmpdir(), 'slipway-slugignore-'));
    const outside = await mkdtemp(join(tmpdir(), 'slipway-outside-'));
    dirs.push(root, outside);
    await writeFile(join(outside, 'precious.psd'), 'keep');
    await mkdir(join(root, 'docs/deep'), { recursive: true });
    await mkdir(join(root, 'art'), { recursive: true });
    await writeFile(join(root, 'docs/deep/a.md'), 'x');
    await writeFile(join(root, 'art/logo.psd'), 'x');
    await writeFile(join(root, 'server.js'), 'x');
    await symlink(join(outside, 'precious.psd'), join(root, 'link.psd'));
    const removed = await applySlugignore(root, parseSlugignore('/docs/\n*.psd\n').patterns);
    expect(removed).toBe(3);
    expect((await readdir(root)).sort()).toEqual(['art', 'server.js']);
    expect(await readdir(join(root, 'art'))).toEqual([]);
    expect(await readdir(outside)).toEqual(['precious.psd']);
  });
});
