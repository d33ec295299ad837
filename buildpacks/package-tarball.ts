// Package tarballs (gzip tar, everything under one top directory: npm packages, Maven's
// distribution): unpacked into a fresh directory for build containers, regular files and
// directories only, made readable by the build user.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract } from 'tar-stream';
import { safeRelativePath } from './paths.js';
import { GUNZIP_ARGS, throughPigz } from './pigz.js';

type Keep = (path: string) => boolean;

/** A member's mode once unpacked: executable for everyone or for nobody, always readable. */
export const unpackedFileMode = (headerMode: number): number => ((headerMode & 0o111) !== 0 ? 0o755 : 0o644);

/** The regular files of `tarball` that `keep` accepts, as paths without the top directory. */
async function eachKeptFile(tarball: Readable, keep: Keep, onFile: (path: string, mode: number, size: number, content: AsyncIterable<unknown>) => Promise<void>): Promise<number> {
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
  const unpacked = throughPigz(GUNZIP_ARGS, (stdin) => pipeline(tarball, stdin), (stdout) => pipeline(stdout, unpack));
  await Promise.all([unpacked, reading()]);
  return files;
}

/** Files up to this size are read into memory and written while the next ones are read. */
const BUFFERED_FILE_BYTES = 1 << 20;
/** How many buffered files may be being written at once (file creation is what costs here). */
const WRITES_IN_FLIGHT = 64;

/** Unpacks the file `tarball` into `dest`, keeping members for which `keep(path)` holds (path without the top directory). */
export function extractPackageTarball(tarball: string, dest: string, keep: Keep = () => true): Promise<number> {
  return extractPackageStream(createReadStream(tarball), dest, keep);
}

/** Unpacks a package tarball read from `tarball` (a download, say) into `dest`, as `extractPackageTarball` does. */
export async function extractPackageStream(tarball: Readable, dest: string, keep: Keep = () => true): Promise<number> {
  const made = new Map<string, Promise<unknown>>();
  const directory = (dir: string) => {
    let done = made.get(dir);
    if (!done) made.set(dir, (done = mkdir(dir, { recursive: true, mode: 0o755 })));
    return done;
  };
  const writes = new Set<Promise<void>>();
  let failure: unknown;
  const written = async () => {
    await Promise.all(writes);
    if (failure) throw failure;
  };
  try {
    const files = await eachKeptFile(tarball, keep, async (path, mode, size, content) => {
      if (failure) throw failure;
      const target = join(dest, path);
      if (size > BUFFERED_FILE_BYTES) {
        await directory(dirname(target));
        await pipeline(content, createWriteStream(target, { mode }));
        return;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of content) chunks.push(chunk as Buffer);
      // Small files are many: their creation overlaps the reading of the next ones.
      const write = directory(dirname(target))
        .then(() => writeFile(target, Buffer.concat(chunks), { mode }))
        .catch((err: unknown) => void (failure ??= err))
        .finally(() => writes.delete(write));
      writes.add(write);
      if (writes.size >= WRITES_IN_FLIGHT) await Promise.race(writes);
    });
    await written();
    return files;
  } finally {
    await Promise.all(writes); // nothing is left writing into `dest` once this settles
  }
}
