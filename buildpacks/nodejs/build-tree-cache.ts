// The per-app cache of the unpruned install tree (devDependencies included) for apps with a
// build script. The dependencies cache holds what ships (pruned), which a build cannot use: a
// Vite or TypeScript build needs its devDependencies, so without this every code-only push
// re-ran the install. Keyed like the dependencies cache: same manifests, lockfile and versions,
// same tree. Copied with `cp -a` so ownership (the build user) and links survive.
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { INSTALL_STATE, installedPaths } from './dependency-paths.js';
import { pathExists } from '../app-files.js';

const run = promisify(execFile);
const entrySchema = z.object({ paths: z.array(z.string()) });

async function copyPaths(from: string, to: string, paths: readonly string[]): Promise<void> {
  for (const path of paths) {
    await mkdir(dirname(join(to, path)), { recursive: true });
    await run('cp', ['-a', join(from, path), join(to, path)]);
  }
}

export class BuildTreeCache {
  constructor(private readonly dir: string) {}

  /** Puts the tree saved under `key` into `appDir`; false (nothing changed) when there is none. */
  async restore(key: string, appDir: string): Promise<boolean> {
    const treeDir = join(this.dir, key);
    let paths: string[];
    try {
      paths = entrySchema.parse(JSON.parse(await readFile(join(this.dir, `${key}.json`), 'utf8'))).paths;
    } catch {
      return false;
    }
    for (const path of paths) if (!(await pathExists(join(treeDir, path)))) return false;
    // a checked-in node_modules is replaced, as a fresh install would
    for (const path of paths) await rm(join(appDir, path), { recursive: true, force: true });
    await copyPaths(treeDir, appDir, paths);
    return true;
  }

  /** Saves what the install left in `appDir` under `key`, dropping older trees. */
  async save(key: string, appDir: string): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const paths = await installedPaths(appDir);
    for (const path of INSTALL_STATE) if (!paths.includes(path) && (await pathExists(join(appDir, path)))) paths.push(path);
    const partial = join(this.dir, `${key}.partial`);
    await rm(partial, { recursive: true, force: true });
    await copyPaths(appDir, partial, paths);
    await rm(join(this.dir, key), { recursive: true, force: true });
    await rename(partial, join(this.dir, key));
    await writeFile(join(this.dir, `${key}.json.partial`), JSON.stringify({ paths }));
    await rename(join(this.dir, `${key}.json.partial`), join(this.dir, `${key}.json`));
    for (const name of await readdir(this.dir)) {
      if (!name.startsWith(key)) await rm(join(this.dir, name), { recursive: true, force: true });
    }
  }
}
