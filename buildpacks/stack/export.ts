// The run image's layers as gzip blobs on disk, for pushing to the registry: `docker save`,
// then gzip each layer once. Cached by image ID, so later pushes (to a new registry, or a
// blob the registry lost) upload from disk without touching the engine again.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import { extract } from 'tar-stream';
import { z } from 'zod';
import { StackError } from '../errors.js';
import { savedLayerBlob, writeGzipLayer, type LayerBlob } from '../oci/blob.js';
import type { LocalImage } from './docker-images.js';

const savedManifest = z.array(z.object({ Config: z.string(), Layers: z.array(z.string()) })).min(1);

async function cachedLayers(dir: string, diffIds: readonly string[]): Promise<LayerBlob[] | null> {
  try {
    const layers = z.array(savedLayerBlob).parse(JSON.parse(await readFile(join(dir, 'layers.json'), 'utf8')));
    if (layers.map((layer) => layer.diffId).join() !== diffIds.join()) return null;
    for (const layer of layers) if ((await stat(layer.path)).size !== layer.size) return null;
    return layers;
  } catch {
    return null;
  }
}

/** Writes every file of the `docker save` stream under `dir`; symlinked duplicates become copies. */
async function unpackSave(save: NodeJS.ReadableStream, dir: string): Promise<void> {
  const links: Array<{ name: string; target: string }> = [];
  const unpack = extract();
  const feeding = pipeline(save, unpack);
  for await (const entry of unpack) {
    const name = posix.normalize(entry.header.name);
    if (name.startsWith('..') || posix.isAbsolute(name)) throw new StackError(`unexpected path in docker save: ${name}`);
    if (entry.header.type === 'file') {
      await mkdir(dirname(join(dir, name)), { recursive: true });
      await pipeline(entry, createWriteStream(join(dir, name)));
      continue;
    }
    if (entry.header.type === 'symlink' && entry.header.linkname) {
      links.push({ name, target: posix.join(posix.dirname(name), entry.header.linkname) });
    }
    entry.resume();
  }
  await feeding;
  for (const link of links) {
    await mkdir(dirname(join(dir, link.name)), { recursive: true });
    await pipeline(createReadStream(join(dir, link.target)), createWriteStream(join(dir, link.name)));
  }
}

/**
 * The gzip blobs of `ref`'s layers from index `firstLayer` up (all by default; a layer over
 * the stack needs only its own) under `cacheRoot/<image id>/`. Callers hold the stack lock.
 */
export async function exportImageLayers(
  docker: Docker,
  ref: string,
  image: LocalImage,
  cacheRoot: string,
  log: (line: string) => void,
  firstLayer = 0,
): Promise<LayerBlob[]> {
  const id = image.id.replace(/^sha256:/, '');
  const dir = join(cacheRoot, firstLayer === 0 ? id : `${id}-from-${firstLayer}`);
  const wanted = image.diffIds.slice(firstLayer);
  const cached = await cachedLayers(dir, wanted);
  if (cached) return cached;

  log(`exporting the layers of ${ref}`);
  await rm(dir, { recursive: true, force: true });
  const raw = join(dir, 'saved');
  await mkdir(raw, { recursive: true });
  try {
    await unpackSave(await docker.getImage(ref).get(), raw);
    const [manifest] = savedManifest.parse(JSON.parse(await readFile(join(raw, 'manifest.json'), 'utf8')));
    const layers: LayerBlob[] = [];
    for (const [index, layerPath] of manifest!.Layers.entries()) {
      if (index < firstLayer) continue;
      const blob = await writeGzipLayer(createReadStream(join(raw, layerPath)), join(dir, `layer-${index}.tar.gz`));
      if (blob.diffId !== image.diffIds[index]) {
        throw new StackError(`layer ${index} of ${ref} hashes to ${blob.diffId}, the engine says ${image.diffIds[index]}`);
      }
      layers.push(blob);
    }
    const index = join(dir, 'layers.json');
    await writeFile(`${index}.partial`, JSON.stringify(layers, null, 2));
    await rename(`${index}.partial`, index);
    return layers;
  } finally {
    await rm(raw, { recursive: true, force: true });
  }
}
