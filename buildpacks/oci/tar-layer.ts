// A directory tree as a reproducible layer: entries in sorted order, one fixed mtime, one
// owner (the stack's app user), permissions kept but never setuid. Equal content gives
// equal digests, which is what lets an unchanged layer be found already in the registry.
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pack, type Header, type Pack } from 'tar-stream';
import { writeGzipLayer, type LayerBlob } from './blob.js';

/** Where Cloud Native Buildpacks put reproducible layers in time; anything fixed would do. */
export const LAYER_MTIME = new Date('1980-01-01T00:00:01Z');

export interface LayerOwner {
  uid: number;
  gid: number;
}

export const APP_USER: LayerOwner = { uid: 1000, gid: 1000 };

export interface LayerSource {
  /** directory on this host */
  root: string;
  /** where `root` appears in the image, without leading slash: `app`, `layers/nodejs` */
  prefix: string;
  /** leaves out a path (relative to root, `/`-separated) and, for a directory, everything in it */
  exclude?: (relativePath: string) => boolean;
}

/** The directory entries above `prefix` (`layers`, then `layers/nodejs`). */
export function prefixDirectories(prefix: string): string[] {
  const parts = prefix.split('/').filter(Boolean);
  return parts.map((_, index) => parts.slice(0, index + 1).join('/'));
}

/** Byte order of names, so the order does not depend on locale. */
export const compareNames = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

type EntryHeader = Partial<Header> & Pick<Header, 'name'>;

/** One entry's header by the layer rules: one owner, one mtime, permission bits only (never setuid). */
function layerEntryHeader(name: string, type: Header['type'], mode: number, owner: LayerOwner, extra: Partial<Header> = {}): EntryHeader {
  return { name, type, mode: mode & 0o777, uid: owner.uid, gid: owner.gid, uname: '', gname: '', mtime: LAYER_MTIME, ...extra };
}

function addEntry(archive: Pack, entryHeader: EntryHeader): Promise<void> {
  return new Promise((resolve, reject) => archive.entry(entryHeader, (err) => (err ? reject(err) : resolve())));
}

/** Adds the directory entries of `path` and its parents (`layers`, `layers/nodejs`) not in `seen` yet. */
async function addDirectories(archive: Pack, path: string, owner: LayerOwner, seen: Set<string>): Promise<void> {
  for (const dir of prefixDirectories(path)) {
    if (seen.has(dir)) continue;
    seen.add(dir);
    await addEntry(archive, layerEntryHeader(dir, 'directory', 0o755, owner));
  }
}

async function addTree(archive: Pack, source: LayerSource, relativeDir: string, owner: LayerOwner, seen: Set<string>): Promise<void> {
  const names = (await readdir(join(source.root, relativeDir))).sort(compareNames);
  for (const name of names) {
    const relative = relativeDir ? `${relativeDir}/${name}` : name;
    if (source.exclude?.(relative)) continue;
    const path = join(source.root, relative);
    const entryName = posix.join(source.prefix, relative);
    const stats = await lstat(path);
    if (stats.isDirectory()) {
      if (!seen.has(entryName)) await addEntry(archive, layerEntryHeader(entryName, 'directory', stats.mode, owner));
      seen.add(entryName);
      await addTree(archive, source, relative, owner, seen);
    } else if (stats.isSymbolicLink()) {
      await addEntry(archive, layerEntryHeader(entryName, 'symlink', 0o777, owner, { linkname: await readlink(path) }));
    } else if (stats.isFile()) {
      const sink = archive.entry(layerEntryHeader(entryName, 'file', stats.mode, owner, { size: stats.size }));
      await pipeline(createReadStream(path), sink);
    }
    // Sockets, fifos and devices have no place in an app layer.
  }
}

/** Writes what `fill` adds to a tar archive as one gzip layer to `outFile`. */
async function writeLayer(outFile: string, fill: (archive: Pack) => Promise<void>): Promise<LayerBlob> {
  const archive = pack();
  // tar-stream's Pack is a streamx Readable: async-iterable, which is all pipeline() needs.
  const written = writeGzipLayer(archive as unknown as AsyncIterable<Uint8Array>, outFile);
  try {
    await fill(archive);
    archive.finalize();
  } catch (err) {
    archive.destroy(err as Error);
    await written.catch(() => undefined);
    throw err;
  }
  return written;
}

/** Writes the trees of `sources` as one gzip layer to `outFile`. */
export async function writeTarLayer(sources: readonly LayerSource[], outFile: string, owner: LayerOwner = APP_USER): Promise<LayerBlob> {
  // The trees may have been written by an untrusted build: a root that is a symlink could
  // point anywhere on this host. Inside a tree, symlinks are stored as links, never followed.
  for (const source of sources) {
    if (!(await lstat(source.root)).isDirectory()) throw new Error(`layer source ${source.root} is not a directory`);
  }
  return writeLayer(outFile, async (archive) => {
    const seen = new Set<string>();
    for (const source of sources) {
      await addDirectories(archive, source.prefix, owner, seen);
      await addTree(archive, source, '', owner, seen);
    }
  });
}
