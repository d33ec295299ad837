// The per-app dependencies cache: the dependencies layer of the last build (node_modules
// directories, Yarn PnP files), keyed by the manifests + lockfile + Node/manager versions +
// stack. A hit means the package manager need not run at all.
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { savedLayerBlob, type LayerBlob } from '../oci/blob.js';
import { writeTarLayer } from '../oci/tar-layer.js';
import { withinOrAbove } from './dependency-paths.js';

export interface CachedDependencies {
  layer: LayerBlob;
  /** paths under /app the layer holds */
  paths: string[];
}

const entrySchema = z.object({ layer: savedLayerBlob, paths: z.array(z.string()) });

export class DependencyCache {
  constructor(private readonly dir: string) {}

  async get(key: string): Promise<CachedDependencies | null> {
    try {
      const entry = entrySchema.parse(JSON.parse(await readFile(join(this.dir, `${key}.json`), 'utf8')));
      return (await stat(entry.layer.path)).size === entry.layer.size ? entry : null;
    } catch {
      return null;
    }
  }

  /** Layers `paths` of `appDir` as /app/<path> under `key`, dropping older entries. */
  async put(key: string, appDir: string, paths: readonly string[]): Promise<CachedDependencies> {
    await mkdir(this.dir, { recursive: true });
    const inside = withinOrAbove(paths);
    const layer = await writeTarLayer([{ root: appDir, prefix: 'app', exclude: (path) => !inside(path) }], join(this.dir, `${key}.tar.gz`));
    const entry: CachedDependencies = { layer, paths: [...paths] };
    const index = join(this.dir, `${key}.json`);
    await writeFile(`${index}.partial`, JSON.stringify(entry));
    await rename(`${index}.partial`, index);
    for (const name of await readdir(this.dir)) {
      if (!name.startsWith(key)) await rm(join(this.dir, name), { force: true });
    }
    return entry;
  }
}
