// The commands that build a stack root filesystem, as argv arrays (never shell strings).
import { join } from 'node:path';
import type { StackRecipe } from './recipe.js';

export function debootstrapArgv(recipe: StackRecipe, target: string, debCacheDir: string): string[] {
  return [
    'debootstrap',
    `--variant=${recipe.variant}`,
    `--include=${recipe.runPackages.join(',')}`,
    `--cache-dir=${debCacheDir}`,
    recipe.suite,
    target,
    recipe.mirror,
  ];
}

export function chrootArgv(root: string, argv: readonly string[]): string[] {
  return ['chroot', root, ...argv];
}

export const aptUpdateArgv = (): string[] => ['apt-get', 'update', '-qq'];

export const aptUpgradeArgv = (): string[] => ['apt-get', 'dist-upgrade', '-y', '-qq', '--no-install-recommends'];

export function aptInstallArgv(packages: readonly string[]): string[] {
  return ['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...packages];
}

export const aptCleanArgv = (): string[] => ['apt-get', 'clean'];

export function mountProcArgv(root: string): string[] {
  return ['mount', '-t', 'proc', 'proc', join(root, 'proc')];
}

export function umountArgv(path: string): string[] {
  return ['umount', path];
}

/** Copies a root filesystem with owners, modes, links and device nodes intact. */
export function copyTreeArgv(from: string, to: string): string[] {
  return ['cp', '-a', `${from}/.`, to];
}

/** A tar of the root filesystem on stdout for `docker import`, without kernel-provided trees. */
export function tarRootfsArgv(root: string): string[] {
  return [
    'tar',
    '--create',
    '--file=-',
    '--numeric-owner',
    '--xattrs',
    `--directory=${root}`,
    '--exclude=./proc/*',
    '--exclude=./sys/*',
    '--exclude=./dev/*',
    '.',
  ];
}

/** Environment for commands run in the chroot: no prompts, no services started by maintainer scripts. */
export function chrootEnv(): Record<string, string> {
  return {
    DEBIAN_FRONTEND: 'noninteractive',
    LANG: 'C.UTF-8',
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  };
}

/** Dockerfile instructions applied by `docker import` (labels carry the recipe hash). */
export function importChanges(labels: Record<string, string>): string[] {
  return [
    ...Object.entries(labels).map(([key, value]) => `LABEL ${key}=${value}`),
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    'ENV LANG=C.UTF-8',
    'WORKDIR /app',
    'CMD ["/bin/bash"]',
  ];
}
