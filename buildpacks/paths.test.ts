import { describe, expect, it } from 'vitest';
import { safeRelativePath } from './paths.js';

describe('safeRelativePath', () => {
  it('normalises ordinary member names', () => {
    expect(safeRelativePath('./lib/index.js')).toBe('lib/index.js');
    expect(safeRelativePath('lib//a/./b.js')).toBe('lib/a/b.js');
    expect(safeRelativePath('dir/')).toBe('dir');
  });

  it('refuses names that escape or are absolute', () => {
    expect(safeRelativePath('../etc/passwd')).toBeNull();
    expect(safeRelativePath('a/../../b')).toBeNull();
    expect(safeRelativePath('a/../b')).toBeNull();
    expect(safeRelativePath('/etc/passwd')).toBeNull();
    expect(safeRelativePath('C:evil')).toBeNull();
    expect(safeRelativePath('a\0b')).toBeNull();
  });

  it('names nothing for the root itself', () => {
    expect(safeRelativePath('./')).toBeNull();
    expect(safeRelativePath('.')).toBeNull();
  });

  it('strips leading components (npm tarballs put everything under package/)', () => {
    expect(safeRelativePath('package/bin/node', 1)).toBe('bin/node');
    expect(safeRelativePath('package/', 1)).toBeNull();
  });
});
