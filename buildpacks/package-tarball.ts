// Unpacks a package tarball (gzip tar, everything under one top directory: npm packages, Maven's
// distribution) into a fresh directory: regular files and directories only, made readable by
// the build user.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-stream';
import { safeRelativePath } from './paths.js';

/** Unpacks `tarball` into `dest`, keeping members for which `keep(path)` holds (path without the top directory). */
export async function extractPackageTarball(tarball: string, dest: string, keep: (path: string) => boolean = () => true): Promise<number> {
  const unpack = extract();
  const feeding = pipeline(createReadStream(tarball), createGunzip(), unpack);
  let files = 0;
  for await (const entry of unpack) {
    const path = safeRelativePath(entry.header.name, 1);
    if (path && keep(path) && entry.header.type === 'file') {
      const target = join(dest, path);
      await mkdir(dirname(target), { recursive: true, mode: 0o755 });
      const executable = (entry.header.mode & 0o111) !== 0;
      await pipeline(entry, createWriteStream(target, { mode: executable ? 0o755 : 0o644 }));
      files++;
    } else {
      entry.resume();
    }
  }
  await feeding;
  return files;
}
