// A directory tree as a reproducible layer: entries in sorted order, one fixed mtime, one
// owner (the stack's app user), permissions kept but never setuid. Equal content gives
// equal digests, which is what lets an unchanged layer be found already in the registry.
import { createReadStream } from 'node:fs';
import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
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

/** One entry of a tree in archive order; a regular file's bytes are read when it is written. */
interface TreeEntry {
  header: EntryHeader;
  /** the file to read, for a regular file (its size is the header's) */
  file?: string;
}

/** The entries of a tree, depth first in byte order of names, each directory's stats taken together. */
async function* treeEntries(source: LayerSource, relativeDir: string, owner: LayerOwner, seen: Set<string>): AsyncGenerator<TreeEntry> {
  const names = (await readdir(join(source.root, relativeDir))).sort(compareNames);
  const kept = names.map((name) => (relativeDir ? `${relativeDir}/${name}` : name)).filter((relative) => !source.exclude?.(relative));
  const stats = await Promise.all(kept.map((relative) => lstat(join(source.root, relative))));
  for (const [index, relative] of kept.entries()) {
    const path = join(source.root, relative);
    const entryName = posix.join(source.prefix, relative);
    const entryStats = stats[index]!;
    if (entryStats.isDirectory()) {
      if (!seen.has(entryName)) yield { header: layerEntryHeader(entryName, 'directory', entryStats.mode, owner) };
      seen.add(entryName);
      yield* treeEntries(source, relative, owner, seen);
    } else if (entryStats.isSymbolicLink()) {
      yield { header: layerEntryHeader(entryName, 'symlink', 0o777, owner, { linkname: await readlink(path) }) };
    } else if (entryStats.isFile()) {
      yield { header: layerEntryHeader(entryName, 'file', entryStats.mode, owner, { size: entryStats.size }), file: path };
    }
    // Sockets, fifos and devices have no place in an app layer.
  }
}

/** Files up to this size are read whole, ahead of their turn; larger ones are streamed at it. */
const READ_WHOLE_BYTES = 1024 * 1024;
/** How many entries may be read ahead: at most this many small files are held in memory. */
const READ_AHEAD_ENTRIES = 32;
const STREAM_CHUNK_BYTES = 1024 * 1024;

interface PendingEntry extends TreeEntry {
  content?: Promise<Buffer>;
}

async function writeEntry(archive: Pack, entry: PendingEntry): Promise<void> {
  if (entry.content) {
    const content = await entry.content;
    // the size read, so a file changed since its stat still gives a well-formed archive
    await new Promise<void>((resolve, reject) => archive.entry({ ...entry.header, size: content.length }, content, (err) => (err ? reject(err) : resolve())));
  } else if (entry.file) {
    await pipeline(createReadStream(entry.file, { highWaterMark: STREAM_CHUNK_BYTES }), archive.entry(entry.header));
  } else {
    await addEntry(archive, entry.header);
  }
}

/**
 * Adds a tree's entries in order. Small files are read a few entries ahead, so the many
 * small files of a runtime or node_modules do not each wait for their own round trip
 * through the file system: that wait, not compression, was most of a layer's time.
 */
async function addTree(archive: Pack, source: LayerSource, owner: LayerOwner, seen: Set<string>): Promise<void> {
  const window: PendingEntry[] = [];
  try {
    for await (const entry of treeEntries(source, '', owner, seen)) {
      const content = entry.file && (entry.header.size ?? 0) <= READ_WHOLE_BYTES ? readFile(entry.file) : undefined;
      content?.catch(() => undefined); // awaited in turn; one failing ahead of it must not go unhandled
      window.push({ ...entry, content });
      if (window.length >= READ_AHEAD_ENTRIES) await writeEntry(archive, window.shift()!);
    }
    while (window.length > 0) await writeEntry(archive, window.shift()!);
  } finally {
    // reads still in flight settle before the caller removes or reuses the tree
    await Promise.allSettled(window.map((entry) => entry.content));
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
      await addTree(archive, source, owner, seen);
    }
  });
}
