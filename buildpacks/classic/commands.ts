// The commands a classic buildpack build runs in its container, as argv arrays (pure).
// Nothing from the user becomes shell text: the one shell script is fixed and everything
// variable reaches it as positional arguments.
import { posix } from 'node:path';
import { APP_DIR, ENV_DIR } from '../build-layout.js';

/** Where the n-th buildpack of a build is mounted (a writable copy: compile may write `export` there). */
export const buildpackDir = (index: number): string => `/buildpacks/${index}`;
/** Its cache: per app and per buildpack URL, kept between builds. */
export const buildpackCacheDir = (index: number): string => `/cache/buildpacks/${index}`;

export function detectArgv(index: number): string[] {
  return [posix.join(buildpackDir(index), 'bin/detect'), APP_DIR];
}

/**
 * Sources the `export` files of the buildpacks before this one (those that wrote one; Heroku's
 * multi-buildpack semantics), then runs this one's compile as BUILD_DIR CACHE_DIR ENV_DIR.
 */
export const COMPILE_SCRIPT =
  'set -e; __slipway_args=("$1" "$2" "$3" "$4"); shift 4; ' +
  'for __slipway_export in "$@"; do if [ -f "$__slipway_export" ]; then . "$__slipway_export"; fi; done; ' +
  'exec "${__slipway_args[@]}"';

export function compileArgv(index: number): string[] {
  const previousExports = Array.from({ length: index }, (_, i) => posix.join(buildpackDir(i), 'export'));
  return ['bash', '-c', COMPILE_SCRIPT, 'compile', posix.join(buildpackDir(index), 'bin/compile'), APP_DIR, buildpackCacheDir(index), ENV_DIR, ...previousExports];
}

export function releaseArgv(index: number): string[] {
  return [posix.join(buildpackDir(index), 'bin/release'), APP_DIR];
}
