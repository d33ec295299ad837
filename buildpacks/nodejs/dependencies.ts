// The per-app dependencies cache: the node_modules layer of the last build, keyed by
// package.json + lockfile + Node/npm versions + stack. A hit means npm need not run at all.
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { savedLayerBlob, type LayerBlob } from '../oci/blob.js';
import { writeTarLayer } from '../oci/tar-layer.js';

export class DependencyCache {
  constructor(private readonly dir: string) {}

  async get(key: string): Promise<LayerBlob | null> {
    try {
      const layer = savedLayerBlob.parse(JSON.parse(await readFile(join(this.dir, `${key}.json`), 'utf8')));
      return (await stat(layer.path)).size === layer.size ? layer : null;
    } catch {
      return null;
    }
  }

  /** Layers `nodeModules` as /app/node_modules under `key`, dropping older entries. */
  async put(key: string, nodeModules: string): Promise<LayerBlob> {
    await mkdir(this.dir, { recursive: true });
    const layer = await writeTarLayer([{ root: nodeModules, prefix: 'app/node_modules' }], join(this.dir, `${key}.tar.gz`));
    const index = join(this.dir, `${key}.json`);
    await writeFile(`${index}.partial`, JSON.stringify(layer));
    await rename(`${index}.partial`, index);
    for (const name of await readdir(this.dir)) {
      if (!name.startsWith(key)) await rm(join(this.dir, name), { force: true });
    }
    return layer;
  }
}
