// What a package manager's install leaves in /app that belongs in the dependencies layer:
// every node_modules directory (the root one, pnpm's virtual store inside it, and those of
// workspace packages), and Yarn PnP's files (.pnp.cjs, its ESM loader, .yarn/cache zips,
// .yarn/unplugged). The app layer leaves these out, so a code-only push does not carry them.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathExists } from '../app-files.js';

/** Files at the app's root written by Yarn PnP, kept with the dependencies. */
export const PNP_FILES = ['.pnp.cjs', '.pnp.loader.mjs', '.pnp.data.json'];
/** Yarn Berry's install output under .yarn: needed at run time with PnP only. */
export const PNP_YARN_DIRS = ['.yarn/cache', '.yarn/unplugged'];
/** Install state that never belongs in the app layer. */
export const INSTALL_STATE = ['.yarn/cache', '.yarn/unplugged', '.yarn/install-state.gz', '.yarn/build-state.yml'];

const SKIP = new Set(['.git', 'node_modules']);

/** Relative paths of node_modules directories under `appDir` (real directories, not links), outermost only. */
export async function findNodeModules(appDir: string, relative = '', depth = 0): Promise<string[]> {
  const found: string[] = [];
  if (depth > 6) return found;
  const entries = await readdir(join(appDir, relative), { withFileTypes: true }).catch(() => []);
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (!entry.isDirectory()) continue;
    const path = relative ? `${relative}/${entry.name}` : entry.name;
    if (entry.name === 'node_modules') found.push(path);
    else if (!SKIP.has(entry.name) && !(relative === '' && entry.name === '.yarn')) found.push(...(await findNodeModules(appDir, path, depth + 1)));
  }
  return found;
}

/** The paths an install produced, for the dependencies layer. */
export async function installedPaths(appDir: string): Promise<string[]> {
  const paths = await findNodeModules(appDir);
  if (await pathExists(join(appDir, '.pnp.cjs'))) {
    for (const path of [...PNP_FILES, ...PNP_YARN_DIRS]) if (await pathExists(join(appDir, path))) paths.push(path);
  }
  return paths.sort();
}

/** Pure: whether `relative` is one of `paths`, inside one, or a directory above one (for the layer's tar). */
export function withinOrAbove(paths: readonly string[]): (relative: string) => boolean {
  return (relative) => paths.some((path) => relative === path || relative.startsWith(`${path}/`) || path.startsWith(`${relative}/`));
}
