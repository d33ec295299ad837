// Heroku sources `.profile.d/*.sh` (then `.profile`) in /app before every process's command.
// Here the agent runs `bash -c <command>`, and bash sources $BASH_ENV first: the image sets it
// to a small script in its own layer (the same bytes for every app, so the layer is built
// once and mounted from the shared repository). The script unsets BASH_ENV, so the app's own
// bash scripts do not source the profile again.
import { lstat, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContributedLayer } from './app-image.js';
import { APP_DIR, RUNTIMES_REPOSITORY } from './build-layout.js';
import { withFileLock } from './lock.js';
import { savedLayerBlob, sha256Digest } from './oci/blob.js';
import { writeTarLayer } from './oci/tar-layer.js';

export const LAUNCHER_DIR = '/layers/slipway';
export const LAUNCHER_PATH = `${LAUNCHER_DIR}/profile.sh`;

export const LAUNCHER_SCRIPT = [
  '# Sourced by bash (BASH_ENV) before the process command: Heroku\'s .profile.d, then .profile.',
  'unset BASH_ENV',
  `for __slipway_profile in ${APP_DIR}/.profile.d/*.sh; do`,
  '  if [ -r "$__slipway_profile" ]; then . "$__slipway_profile"; fi',
  'done',
  'unset __slipway_profile',
  `if [ -r ${APP_DIR}/.profile ]; then . ${APP_DIR}/.profile; fi`,
  '',
].join('\n');

/** The image env entry that makes bash source the launcher. */
export const LAUNCHER_ENV = `BASH_ENV=${LAUNCHER_PATH}`;

/** Whether the built app has profile scripts to source (then its image gets the launcher). */
export async function hasProfileScripts(appDir: string): Promise<boolean> {
  for (const name of ['.profile.d', '.profile']) {
    if (await lstat(join(appDir, name)).catch(() => null)) return true;
  }
  return false;
}

/** The launcher layer, written once per script content under `<cacheDir>/launcher`. */
export async function launcherLayer(cacheDir: string): Promise<ContributedLayer> {
  await mkdir(join(cacheDir, 'launcher'), { recursive: true });
  return withFileLock(join(cacheDir, 'launcher', 'lock'), () => writeLauncherLayer(cacheDir));
}

async function writeLauncherLayer(cacheDir: string): Promise<ContributedLayer> {
  const key = sha256Digest(LAUNCHER_SCRIPT).slice('sha256:'.length, 'sha256:'.length + 16);
  const dir = join(cacheDir, 'launcher');
  const index = join(dir, `${key}.json`);
  const createdBy = 'slipway: sources /app/.profile.d/*.sh before the process command';
  const saved = await readFile(index, 'utf8').then((text) => savedLayerBlob.parse(JSON.parse(text)), () => null);
  if (saved && (await lstat(saved.path).catch(() => null))?.size === saved.size) {
    return { blob: saved, createdBy, sharedRepository: RUNTIMES_REPOSITORY };
  }
  const tree = join(dir, `${key}-tree-${process.pid}`);
  await mkdir(tree, { recursive: true });
  await writeFile(join(tree, 'profile.sh'), LAUNCHER_SCRIPT, { mode: 0o644 });
  const blob = await writeTarLayer([{ root: tree, prefix: LAUNCHER_DIR.slice(1) }], join(dir, `${key}.tar.gz`));
  await writeFile(`${index}.partial-${process.pid}`, JSON.stringify(blob));
  await rename(`${index}.partial-${process.pid}`, index);
  await rm(tree, { recursive: true, force: true });
  return { blob, createdBy, sharedRepository: RUNTIMES_REPOSITORY };
}
