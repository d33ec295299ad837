// Package tarballs (gzip tar, everything under one top directory: npm packages, Maven's
// distribution): unpacked into a fresh directory for build containers, regular files and
// directories only, made readable by the build user; or repacked, by the same rules, straight
// into an image layer, so that a runtime's layer is written while its tree is unpacked.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-stream';
import type { LayerBlob } from './oci/blob.js';
import { addDirectories, addEntry, APP_USER, layerEntryHeader, writeLayer, type LayerOwner } from './oci/tar-layer.js';
import { safeRelativePath } from './paths.js';

type Keep = (path: string) => boolean;

/** A member's mode once unpacked: executable for everyone or for nobody, always readable. */
export const unpackedFileMode = (headerMode: number): number => ((headerMode & 0o111) !== 0 ? 0o755 : 0o644);

/** The regular files of `tarball` that `keep` accepts, as paths without the top directory. */
async function eachKeptFile(tarball: string, keep: Keep, onFile: (path: string, mode: number, size: number, content: AsyncIterable<unknown>) => Promise<void>): Promise<number> {
  const unpack = extract();
  let files = 0;
  const reading = async () => {
    for await (const entry of unpack) {
      const path = safeRelativePath(entry.header.name, 1);
      if (path && keep(path) && entry.header.type === 'file') {
        await onFile(path, unpackedFileMode(entry.header.mode ?? 0), entry.header.size ?? 0, entry);
        files++;
      } else {
        entry.resume();
      }
    }
  };
  // Either side's failure ends the other (a broken gzip ends the loop; leaving the loop destroys
  // the stream), and both are awaited, so neither rejection goes unhandled.
  await Promise.all([pipeline(createReadStream(tarball), createGunzip(), unpack), reading()]);
  return files;
}

/** Unpacks `tarball` into `dest`, keeping members for which `keep(path)` holds (path without the top directory). */
export async function extractPackageTarball(tarball: string, dest: string, keep: Keep = () => true): Promise<number> {
  return eachKeptFile(tarball, keep, async (path, mode, _size, content) => {
    const target = join(dest, path);
    await mkdir(dirname(target), { recursive: true, mode: 0o755 });
    await pipeline(content, createWriteStream(target, { mode }));
  });
}

export interface PackageLayerSource {
  tarball: string;
  /** where the package's top directory appears in the image, without leading slash */
  prefix: string;
  keep?: Keep;
}

export interface LayerSymlink {
  /** in the image, without leading slash */
  path: string;
  target: string;
}

/**
 * Writes the kept files of `sources` (in each tarball's own order, so equal tarballs give equal
 * layers), then `symlinks`, as one gzip layer: what `extractPackageTarball` would unpack at
 * each prefix, owned by `owner` like every other layer, with each directory before its contents.
 */
export async function writePackageLayer(sources: readonly PackageLayerSource[], symlinks: readonly LayerSymlink[], outFile: string, owner: LayerOwner = APP_USER): Promise<LayerBlob> {
  return writeLayer(outFile, async (archive) => {
    const seen = new Set<string>();
    const directories = (path: string) => addDirectories(archive, path, owner, seen);
    for (const source of sources) {
      await directories(source.prefix);
      await eachKeptFile(source.tarball, source.keep ?? (() => true), async (path, mode, size, content) => {
        const name = posix.join(source.prefix, path);
        await directories(posix.dirname(name));
        await pipeline(content, archive.entry(layerEntryHeader(name, 'file', mode, owner, { size })));
      });
    }
    for (const link of symlinks) {
      await directories(posix.dirname(link.path));
      await addEntry(archive, layerEntryHeader(link.path, 'symlink', 0o777, owner, { linkname: link.target }));
    }
  });
}
