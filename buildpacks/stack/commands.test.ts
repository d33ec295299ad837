import { describe, expect, it } from 'vitest';
import {
  aptInstallArgv,
  chrootArgv,
  copyTreeArgv,
  debootstrapArgv,
  importChanges,
  mountProcArgv,
  tarRootfsArgv,
  umountArgv,
} from './commands.js';
import { DEFAULT_STACK_RECIPE } from './recipe.js';

describe('stack commands', () => {
  it('debootstraps minbase from the configured mirror with the run packages and a .deb cache', () => {
    expect(debootstrapArgv(DEFAULT_STACK_RECIPE, '/w/rootfs/run', '/w/debs')).toEqual([
      'debootstrap',
      '--variant=minbase',
      '--include=ca-certificates,libatomic1',
      '--cache-dir=/w/debs',
      'bookworm',
      '/w/rootfs/run',
      'http://deb.debian.org/debian',
    ]);
  });

  it('runs apt inside the chroot, without recommends', () => {
    expect(chrootArgv('/r', aptInstallArgv(['git', 'g++']))).toEqual([
      'chroot', '/r', 'apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'git', 'g++',
    ]);
  });

  it('mounts and unmounts /proc of the root only', () => {
    expect(mountProcArgv('/r')).toEqual(['mount', '-t', 'proc', 'proc', '/r/proc']);
    expect(umountArgv('/r/proc')).toEqual(['umount', '/r/proc']);
  });

  it('copies and tars trees keeping numeric owners, without kernel trees', () => {
    expect(copyTreeArgv('/a', '/b')).toEqual(['cp', '-a', '/a/.', '/b']);
    const tar = tarRootfsArgv('/r');
    expect(tar).toContain('--numeric-owner');
    expect(tar).toContain('--directory=/r');
    expect(tar).toEqual(expect.arrayContaining(['--exclude=./proc/*', '--exclude=./sys/*', '--exclude=./dev/*']));
    expect(tar.at(-1)).toBe('.');
  });

  it('labels imported images', () => {
    expect(importChanges({ 'io.slipway.stack.recipe': 'abc' })).toContain('LABEL io.slipway.stack.recipe=abc');
  });
});
