// The per-app virtualenv cache: the venv of the last install as a tree (mounted into build
// containers, read for installed packages, used by collectstatic) and as a layer blob, under
// a key (lockfile + Python + manager + stack). A hit means no package manager runs at all.
import { mkdir, readdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { appUserDirectory } from '../build-steps.js';
import { savedLayerBlob, type LayerBlob } from '../oci/blob.js';
import { writeTarLayer } from '../oci/tar-layer.js';
import { VENV_DIR } from './plan.js';

const savedEntry = z.object({ key: z.string(), layer: savedLayerBlob });

export class VenvCache {
  /** mounted at PYTHON_LAYERS_DIR; the venv is its `venv` */
  readonly tree: string;
  private readonly index: string;

  constructor(private readonly dir: string) {
    this.tree = join(dir, 'tree');
    this.index = join(dir, 'venv.json');
  }

  get venv(): string {
    return join(this.tree, 'venv');
  }

  /** The cached venv layer when it was made under `key` and its tree is intact. */
  async get(key: string): Promise<LayerBlob | null> {
    try {
      const entry = savedEntry.parse(JSON.parse(await readFile(this.index, 'utf8')));
      if (entry.key !== key) return null;
      if ((await stat(entry.layer.path)).size !== entry.layer.size) return null;
      if (!(await stat(join(this.venv, 'pyvenv.cfg'))).isFile()) return null;
      return entry.layer;
    } catch {
      return null;
    }
  }

  /** An empty tree for an install (the old entry is forgotten first: a failed install never matches). */
  async prepare(): Promise<string> {
    await rm(this.index, { force: true });
    await rm(this.tree, { recursive: true, force: true });
    await mkdir(this.dir, { recursive: true });
    return appUserDirectory(this.tree);
  }

  /** Layers the venv as VENV_DIR under `key`, dropping older layers. */
  async put(key: string): Promise<LayerBlob> {
    const layer = await writeTarLayer([{ root: this.venv, prefix: VENV_DIR.slice(1) }], join(this.dir, `${key}.tar.gz`));
    await writeFile(`${this.index}.partial`, JSON.stringify({ key, layer }));
    await rename(`${this.index}.partial`, this.index);
    for (const name of await readdir(this.dir)) {
      if (name.endsWith('.tar.gz') && !name.startsWith(key)) await rm(join(this.dir, name), { force: true });
    }
    return layer;
  }

  /**
   * Entries of the venv's site-packages (for installedDistributions). The build wrote this
   * tree: a symlink leading out of it (to a host directory) is not followed.
   */
  async sitePackagesEntries(line: string): Promise<string[]> {
    const dir = join(this.venv, 'lib', `python${line}`, 'site-packages');
    const real = await realpath(dir).catch(() => null);
    if (real === null || !real.startsWith(`${await realpath(this.tree)}/`)) return [];
    return readdir(real).catch(() => []);
  }
}
