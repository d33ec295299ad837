// Builds the stack's two root filesystems on this host: debootstrap (minbase) for the run
// image, then a copy of it with the build packages for the build image. Needs root.
import { access, appendFile, chown, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../run-command.js';
import {
  aptCleanArgv,
  aptInstallArgv,
  aptUpdateArgv,
  aptUpgradeArgv,
  chrootArgv,
  chrootEnv,
  copyTreeArgv,
  debootstrapArgv,
  mountProcArgv,
  umountArgv,
} from './commands.js';
import { aptSources, dpkgExcludes, userEntries, type StackRecipe } from './recipe.js';

export interface RootfsPaths {
  run: string;
  build: string;
}

/** Where a stack build reports: its steps (a few lines) and its commands' own output (many). */
export interface RootfsLog {
  step: (line: string) => void;
  output: (line: string) => void;
}

/** Runs `fn` with /proc mounted in `root` (apt maintainer scripts want it), unmounting after. */
async function withProc<T>(root: string, fn: () => Promise<T>): Promise<T> {
  await runCommand(mountProcArgv(root));
  try {
    return await fn();
  } finally {
    await runCommand(umountArgv(join(root, 'proc')));
  }
}

async function inChroot(root: string, argv: readonly string[], log: (line: string) => void, signal?: AbortSignal): Promise<void> {
  await runCommand(chrootArgv(root, argv), { env: chrootEnv(), onLine: log, signal });
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Files a container gets from Docker at run time, and apt's downloaded indexes. */
async function removeHostLeftovers(root: string): Promise<void> {
  for (const path of ['etc/resolv.conf', 'etc/hostname', 'usr/sbin/policy-rc.d']) {
    await rm(join(root, path), { force: true });
  }
  await rm(join(root, 'var/lib/apt/lists'), { recursive: true, force: true });
  await mkdir(join(root, 'var/lib/apt/lists/partial'), { recursive: true });
  await rm(join(root, 'var/cache/apt/archives'), { recursive: true, force: true });
  await mkdir(join(root, 'var/cache/apt/archives/partial'), { recursive: true });
}

/** Empties the excluded directories (debootstrap installed before dpkg was told to skip them). */
async function removeExcludedFiles(root: string, recipe: StackRecipe): Promise<void> {
  for (const dir of recipe.excludedDirectories) {
    const path = join(root, dir);
    const entries = await readdir(path).catch(() => [] as string[]);
    for (const name of entries) {
      if (dir === '/usr/share/doc') {
        for (const inner of await readdir(join(path, name)).catch(() => [] as string[])) {
          if (inner !== 'copyright') await rm(join(path, name, inner), { recursive: true, force: true });
        }
      } else {
        await rm(join(path, name), { recursive: true, force: true });
      }
    }
  }
}

/**
 * Debootstraps `paths.run` and derives `paths.build` from it. Both directories must not exist.
 * `debCacheDir` keeps downloaded .debs so that a recipe change does not download everything again.
 * `signal` stops the command running and rejects; a /proc this mounted is unmounted first.
 */
export async function buildStackRootfs(
  recipe: StackRecipe,
  paths: RootfsPaths,
  debCacheDir: string,
  { step, output: log }: RootfsLog,
  signal?: AbortSignal,
): Promise<void> {
  await mkdir(debCacheDir, { recursive: true });
  await mkdir(paths.run, { recursive: true });
  step(`debootstrap ${recipe.suite} (${recipe.variant}) from ${recipe.mirror}`);
  await runCommand(debootstrapArgv(recipe, paths.run, debCacheDir), { onLine: log, signal });

  await mkdir(join(paths.run, 'etc/dpkg/dpkg.cfg.d'), { recursive: true });
  await writeFile(join(paths.run, 'etc/dpkg/dpkg.cfg.d/slipway-slim'), dpkgExcludes(recipe));
  await removeExcludedFiles(paths.run, recipe);
  // Never start services from maintainer scripts inside the chroot.
  await writeFile(join(paths.run, 'usr/sbin/policy-rc.d'), '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  await writeFile(join(paths.run, 'etc/apt/sources.list'), aptSources(recipe));
  if (!(await exists(join(paths.run, 'etc/resolv.conf')))) {
    await writeFile(join(paths.run, 'etc/resolv.conf'), '');
  }
  step('applying Debian updates');
  signal?.throwIfAborted();
  await withProc(paths.run, async () => {
    await inChroot(paths.run, aptUpdateArgv(), log, signal);
    await inChroot(paths.run, aptUpgradeArgv(), log, signal);
  });

  const { user } = recipe;
  const entries = userEntries(user);
  await appendFile(join(paths.run, 'etc/passwd'), entries.passwd);
  await appendFile(join(paths.run, 'etc/group'), entries.group);
  if (await exists(join(paths.run, 'etc/shadow'))) await appendFile(join(paths.run, 'etc/shadow'), entries.shadow);
  const home = join(paths.run, user.home);
  await mkdir(home, { recursive: true });
  await chown(home, user.uid, user.gid);

  step(`deriving the build image: ${recipe.buildPackages.join(' ')}`);
  await mkdir(paths.build, { recursive: true });
  await runCommand(copyTreeArgv(paths.run, paths.build), { signal });
  await withProc(paths.build, async () => {
    await inChroot(paths.build, aptInstallArgv(recipe.buildPackages), log, signal);
    await inChroot(paths.build, aptCleanArgv(), log, signal);
  });
  await inChroot(paths.run, aptCleanArgv(), log, signal);
  await removeHostLeftovers(paths.run);
  await removeHostLeftovers(paths.build);
}
