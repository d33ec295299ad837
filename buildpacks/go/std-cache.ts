// The standard library's common part compiled once per toolchain, with the flags every app
// build uses, so that a new app's first build compiles little more than its own packages and
// modules. Only what web apps commonly import (net/http and its closure, templates, JSON, SQL,
// slog): all of `std` took twice as long as a web app's share of it, and an app that needs
// other packages compiles them into its own cache. It is built in a
// container that holds no app's code (the cache is then trusted by every app) and copied into
// an app's build cache (GOCACHE) when that is empty; after that the app's cache is its own.
import { readdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { BuildContext } from '../buildpack.js';
import { APP_DIR } from '../build-layout.js';
import { appUserDirectory, buildContainerSpec, runStep } from '../build-steps.js';
import type { BuildMount } from '../container-spec.js';
import { withBuildContainer } from '../container.js';
import { withFileLock } from '../lock.js';
import { GOCACHE_DIR, goBuildEnvironment, TOOLCHAIN_DIR } from './plan.js';
import type { GoToolchain } from './toolchain.js';

/** Where the standard library's build cache is mounted read-only while an app's cache is seeded. */
export const STD_CACHE_DIR = '/layers/go-std-cache';

/** The packages compiled (with everything they import). */
export const COMMON_STD_PACKAGES = ['net/http', 'net/http/httputil', 'encoding/json', 'html/template', 'database/sql', 'log/slog', 'os/signal', 'os/exec', 'flag', 'embed'];

/** `go build -trimpath <packages>`: the same compile actions (and so cache keys) as an app's `go install -trimpath`. */
export const STD_BUILD_ARGV = ['go', 'build', '-trimpath', ...COMMON_STD_PACKAGES];

/** Bump when the packages or flags change, so that a seed of the old set is not taken for the new. */
const STD_SEED_REVISION = 2;

/** Copies the seed into the app's empty GOCACHE, as the app user. */
export const SEED_ARGV = ['cp', '-R', `${STD_CACHE_DIR}/.`, `${GOCACHE_DIR}/`];

export const stdCacheDir = (toolchain: GoToolchain): string => join(dirname(toolchain.dir), `std-cache-${STD_SEED_REVISION}`);

const COMPLETE = 'slipway-complete';

async function isComplete(dir: string): Promise<boolean> {
  return stat(join(dir, COMPLETE)).then(() => true, () => false);
}

/** The toolchain's compiled standard library, built now unless an earlier build made it. */
export async function ensureStdCache(ctx: BuildContext, toolchain: GoToolchain): Promise<string> {
  const dir = stdCacheDir(toolchain);
  if (await isComplete(dir)) return dir;
  return withFileLock(`${dir}.lock`, async () => {
    if (await isComplete(dir)) return dir;
    const spec = await buildContainerSpec(ctx, {
      env: goBuildEnvironment({ proxy: 'off', vendored: true }),
      mounts: [
        { source: toolchain.dir, target: TOOLCHAIN_DIR, readOnly: true },
        { source: await appUserDirectory(dir), target: GOCACHE_DIR, readOnly: false },
      ],
      // the standard library needs no module: nothing to fetch
      offline: true,
    });
    // no app source in this container: only the toolchain and the cache being made
    const clean = { ...spec, workingDir: '/tmp', mounts: spec.mounts.filter((mount: BuildMount) => mount.target !== APP_DIR) };
    await withBuildContainer(ctx.docker, clean, ctx.signal, (container) =>
      runStep(ctx, container, `Compiling the Go ${toolchain.version} standard library's common packages (once per Go version)`, STD_BUILD_ARGV, 'Compiling the Go standard library failed'),
    );
    await writeFile(join(dir, COMPLETE), '');
    return dir;
  });
}

/** Whether an app's build cache is empty (a new app, or its caches were removed). */
export async function isEmptyDirectory(path: string): Promise<boolean> {
  return (await readdir(path)).length === 0;
}
