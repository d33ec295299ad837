// Config vars for builds, Heroku's ENV_DIR: a directory with one file per var (the name is
// the file name, the value its whole content), mounted read-only into every build container
// at ENV_DIR. Values never reach the build log, the container's environment or its labels.
import { chmod, chown, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ENV_DIR } from './build-layout.js';
import { BuildError } from './errors.js';

const CONFIG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Vars Heroku's buildpacks never take from ENV_DIR into a build step's environment: they
 * would break the build container itself.
 */
export const ENV_DIR_DENYLIST: readonly string[] = ['PATH', 'GIT_DIR', 'CPATH', 'CPPATH', 'LD_PRELOAD', 'LIBRARY_PATH', 'LANG', 'BUILD_DIR'];

/** Writes `vars` into `dir` (created, owned by the app user, readable by it alone). */
export async function writeEnvDir(dir: string, vars: Readonly<Record<string, string>>): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  for (const [name, value] of Object.entries(vars)) {
    // The API allows only such names; a name that could be a path must never become a file.
    if (!CONFIG_NAME.test(name)) throw new BuildError(`The config var name ${JSON.stringify(name)} cannot be passed to the build.`);
    const file = join(dir, name);
    await writeFile(file, value, { mode: 0o400 });
    await chown(file, 1000, 1000);
  }
  await chown(dir, 1000, 1000);
  await chmod(dir, 0o500);
}

/** One var's value as `writeEnvDir` left it, or null when the app does not set it. */
export async function readEnvDirVar(dir: string, name: string): Promise<string | null> {
  if (!CONFIG_NAME.test(name)) throw new Error(`not a config var name: ${JSON.stringify(name)}`);
  try {
    return await readFile(join(dir, name), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * Runs argv with the config vars of ENV_DIR exported (all but the denylist), as Heroku's
 * buildpacks do before running the app's build commands. A fixed script; argv follows it.
 */
export const EXPORT_ENV_DIR_SCRIPT =
  `for __slipway_var in "${ENV_DIR}"/*; do [ -f "$__slipway_var" ] || continue; __slipway_name="\${__slipway_var##*/}"; ` +
  `case "$__slipway_name" in ${ENV_DIR_DENYLIST.join('|')}) continue;; esac; ` +
  '__slipway_value="$(cat "$__slipway_var"; printf x)"; export "$__slipway_name=${__slipway_value%x}"; done; ' +
  'unset __slipway_var __slipway_name __slipway_value; exec "$@"';

export function withConfigVars(argv: readonly string[]): string[] {
  return ['bash', '-c', EXPORT_ENV_DIR_SCRIPT, argv[0] ?? 'step', ...argv];
}
