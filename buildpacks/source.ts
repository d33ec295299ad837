// Unpacks the pushed source (a tar from `git archive`) into the build's app directory,
// refusing anything that would write outside it: `..` or absolute names, and writing
// through a symlink the archive itself planted. Everything ends up owned by the app user,
// who runs the build.
import { createWriteStream } from 'node:fs';
import { copyFile, lchown, lstat, mkdir, readdir, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { extract } from 'tar-stream';
import { BuildError } from './errors.js';
import type { LayerOwner } from './oci/tar-layer.js';
import { safeRelativePath } from './paths.js';

export interface ExtractedSource {
  files: number;
  bytes: number;
  /** names at the root of the source, for detection */
  rootFiles: Set<string>;
}

export interface ExtractSourceOptions {
  owner: LayerOwner;
  /** refuse sources larger than this, uncompressed */
  maxBytes: number;
  /** what the archive is, in messages (default: the pushed source) */
  what?: string;
}

const PUSHED_SOURCE = 'The pushed source';

const unsafe = (name: string, what: string) =>
  new BuildError(`${what} contains an unsafe path: ${JSON.stringify(name)}.`, {
    outputTail: ['Paths in the archive must stay inside it (no "..", no absolute paths, nothing written through a symlink).'],
  });

/** Creates `relativeDir` under `root`, refusing if any part of it exists as anything but a directory. */
async function ensureRealDirectory(root: string, relativeDir: string, name: string, what: string): Promise<void> {
  let current = root;
  for (const part of relativeDir.split('/').filter(Boolean)) {
    current = join(current, part);
    const stats = await lstat(current).catch(() => null);
    if (!stats) await mkdir(current, { mode: 0o755 });
    else if (!stats.isDirectory()) throw unsafe(name, what);
  }
}

const parentOf = (path: string) => path.split('/').slice(0, -1).join('/');

/** Removes what is at `target` (a later archive member replaces an earlier one), but never a directory. */
async function clearForFile(target: string, name: string, what: string): Promise<void> {
  const stats = await lstat(target).catch(() => null);
  if (!stats) return;
  if (stats.isDirectory()) throw unsafe(name, what);
  await rm(target);
}

/** Gives `dir` and everything in it to `owner` (symlinks themselves, never their targets). */
export async function chownTree(dir: string, owner: LayerOwner): Promise<void> {
  await lchown(dir, owner.uid, owner.gid);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(path, owner);
    else await lchown(path, owner.uid, owner.gid);
  }
}

export async function extractSource(source: NodeJS.ReadableStream, dest: string, options: ExtractSourceOptions): Promise<ExtractedSource> {
  const what = options.what ?? PUSHED_SOURCE;
  // Heard while the directory is made: a source that fails at once (gunzip of bytes that are
  // not gzip) would otherwise emit its error to nobody and take the process down. The pipeline
  // below still sees that error, since the source is then destroyed with it.
  const ignoreUntilPiped = () => undefined;
  source.on('error', ignoreUntilPiped);
  await mkdir(dest, { recursive: true });
  const unpack = extract();
  const feeding = pipeline(source, unpack);
  source.off('error', ignoreUntilPiped);
  const result: ExtractedSource = { files: 0, bytes: 0, rootFiles: new Set() };
  try {
    for await (const entry of unpack) {
      const { header } = entry;
      if (header.type !== 'file' && header.type !== 'directory' && header.type !== 'symlink' && header.type !== 'link') {
        entry.resume(); // pax headers, devices, fifos: nothing an app needs
        continue;
      }
      const path = safeRelativePath(header.name);
      if (path === null) {
        entry.resume();
        if (header.type === 'directory' && /^\.?\/?$/.test(header.name)) continue;
        throw unsafe(header.name, what);
      }
      result.rootFiles.add(path.split('/')[0]!);
      const target = join(dest, path);
      if (header.type === 'directory') {
        await ensureRealDirectory(dest, path, header.name, what);
        entry.resume();
        continue;
      }
      await ensureRealDirectory(dest, parentOf(path), header.name, what);
      await clearForFile(target, header.name, what);
      if (header.type === 'symlink') {
        // The link may point anywhere: it is only ever read inside the build container, and
        // nothing is written through it here because parents are checked to be real directories.
        await symlink(header.linkname ?? '', target);
        entry.resume();
      } else if (header.type === 'link') {
        const linked = safeRelativePath(header.linkname ?? '');
        const linkedStats = linked ? await lstat(join(dest, linked)).catch(() => null) : null;
        if (!linked || !linkedStats?.isFile()) throw unsafe(header.name, what);
        await copyFile(join(dest, linked), target);
        entry.resume();
      } else {
        result.bytes += header.size ?? 0;
        if (result.bytes > options.maxBytes) {
          throw new BuildError(`${what} is larger than ${Math.round(options.maxBytes / 1024 / 1024)} MB uncompressed.`);
        }
        const executable = ((header.mode ?? 0o644) & 0o111) !== 0;
        await pipeline(entry, createWriteStream(target, { mode: executable ? 0o755 : 0o644, flags: 'wx' }));
        result.files++;
      }
    }
    await feeding;
  } catch (err) {
    unpack.destroy();
    await feeding.catch(() => undefined);
    if (err instanceof BuildError) throw err;
    throw new BuildError(`${what} is not a readable tar archive.`, { cause: err });
  }
  await chownTree(dest, options.owner);
  return result;
}
