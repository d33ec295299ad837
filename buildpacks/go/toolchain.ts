// The Go toolchain: the `golang.org/toolchain` module zip from the Go module proxy, checked
// against the go.sum hash the checksum database publishes for it (looked up through the same
// proxy), unpacked once per version into the global cache, and mounted read-only into build
// containers. It never goes into an app image: Go apps run as compiled binaries.
import { createHash } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { request, type Dispatcher } from 'undici';
import { z } from 'zod';
import { DownloadError, downloadFile } from '../downloads.js';
import { withFileLock } from '../lock.js';
import { safeRelativePath } from '../paths.js';
import { ZipArchive } from '../zip-archive.js';
import { hash1, zipHashFromLookup, type HashedFile } from './dirhash.js';
import { TOOLCHAIN_MODULE, toolchainModuleVersion, toolchainVersionsFromList } from './versions.js';

export interface GoToolchain {
  version: string;
  /** the GOROOT tree to mount at /layers/go */
  dir: string;
  /** the module zip's go.sum hash it was checked against */
  hash: string;
  /** false when this call downloaded it */
  cached: boolean;
}

const savedToolchain = z.object({ version: z.string(), hash: z.string() });

export const toolchainDir = (cacheDir: string, version: string): string => join(cacheDir, 'runtimes', `go-${version}`);

/** `<proxy>/golang.org/toolchain/@v/<what>` */
export const toolchainUrl = (proxy: string, what: string): string => `${proxy}/${TOOLCHAIN_MODULE}/@v/${what}`;

/** `<proxy>/sumdb/sum.golang.org/lookup/golang.org/toolchain@<version>` (the proxy's checksum database pass-through) */
export const checksumLookupUrl = (proxy: string, moduleVersion: string): string =>
  `${proxy}/sumdb/sum.golang.org/lookup/${TOOLCHAIN_MODULE}@${moduleVersion}`;

/**
 * Where a toolchain zip entry goes in the GOROOT tree, or null for one outside the module's
 * directory; the zip keeps no modes, so bin/ and pkg/tool/ are made executable (as `go` does
 * when it switches toolchains).
 */
export function toolchainEntryPlacement(name: string, moduleVersion: string): { path: string; mode: number } | null {
  const prefix = `${TOOLCHAIN_MODULE}@${moduleVersion}/`;
  if (!name.startsWith(prefix) || name.endsWith('/')) return null;
  const path = safeRelativePath(name.slice(prefix.length));
  if (!path) return null;
  return { path, mode: path.startsWith('bin/') || path.startsWith('pkg/tool/') ? 0o755 : 0o644 };
}

/**
 * Whether a build reads this file of the toolchain: the standard library's tests (`_test.go`)
 * and their test data are half the zip's files and only `go test std` reads them; no app build
 * does, and writing them took a third of the unpacking. Every file is still hashed.
 */
export function neededForBuilds(path: string): boolean {
  if (!path.startsWith('src/')) return true;
  return !path.endsWith('_test.go') && !path.includes('/testdata/');
}

async function getText(url: string, dispatcher: Dispatcher): Promise<string> {
  let response;
  try {
    response = await request(url, { dispatcher });
  } catch (err) {
    throw new DownloadError(`cannot reach ${url}`, err);
  }
  const text = await response.body.text();
  if (response.statusCode !== 200) throw new DownloadError(`GET ${url} answered ${response.statusCode}: ${text.trim().slice(0, 200)}`);
  return text;
}

/** The Go versions the proxy has a linux/amd64 toolchain for, oldest first. */
export async function listToolchainVersions(proxy: string, dispatcher: Dispatcher): Promise<string[]> {
  return toolchainVersionsFromList(await getText(toolchainUrl(proxy, 'list'), dispatcher));
}

async function readCached(base: string, version: string): Promise<{ hash: string } | null> {
  try {
    const saved = savedToolchain.parse(JSON.parse(await readFile(join(base, 'toolchain.json'), 'utf8')));
    if (saved.version !== version) return null;
    await stat(join(base, 'tree', 'bin', 'go'));
    return { hash: saved.hash };
  } catch {
    return null;
  }
}

/** Files unpacked at once: reads, inflates and writes overlap (10,000+ files per toolchain). */
const UNPACK_CONCURRENCY = 16;

/**
 * Files and directories are created with their modes, which the process umask can only
 * narrow. One of each mode is checked afterwards, and all of a narrowed mode are chmod-ed
 * then: a chmod per file (10,000+ of them) cost about as much as writing the files.
 */
async function restoreNarrowedModes(tree: string, written: ReadonlyMap<number, readonly string[]>): Promise<void> {
  const narrowed = async (path: string, mode: number) => ((await stat(path)).mode & 0o777) !== mode;
  for (const [mode, paths] of written) {
    if (paths.length === 0 || !(await narrowed(paths[0]!, mode))) continue;
    for (const path of paths) await chmod(path, mode);
  }
  if (!(await narrowed(tree, 0o755))) return;
  await chmod(tree, 0o755);
  for (const entry of await readdir(tree, { recursive: true, withFileTypes: true })) {
    if (entry.isDirectory()) await chmod(join(entry.parentPath, entry.name), 0o755);
  }
}

/** Unpacks the toolchain zip into `tree`, answering the zip's h1 hash as computed from its files. */
async function unpack(zipPath: string, moduleVersion: string, tree: string): Promise<string> {
  const zip = await ZipArchive.open(zipPath);
  try {
    const entries = zip.entries;
    const hashed: HashedFile[] = [];
    const made = new Map<string, Promise<unknown>>();
    const written = new Map<number, string[]>();
    let next = 0;
    const worker = async () => {
      while (next < entries.length) {
        const entry = entries[next++]!;
        const data = await zip.read(entry);
        hashed.push({ name: entry.name, sha256: createHash('sha256').update(data).digest('hex') });
        const placement = toolchainEntryPlacement(entry.name, moduleVersion);
        if (!placement) {
          if (!entry.name.endsWith('/')) throw new DownloadError(`the toolchain zip holds an unexpected file: ${entry.name}`);
          continue;
        }
        if (!neededForBuilds(placement.path)) continue;
        const path = join(tree, placement.path);
        const dir = dirname(path);
        if (!made.has(dir)) made.set(dir, mkdir(dir, { recursive: true, mode: 0o755 }));
        await made.get(dir);
        await writeFile(path, data, { mode: placement.mode });
        const sameMode = written.get(placement.mode) ?? [];
        written.set(placement.mode, sameMode);
        sameMode.push(path);
      }
    };
    await Promise.all(Array.from({ length: UNPACK_CONCURRENCY }, worker));
    await restoreNarrowedModes(tree, written);
    return hash1(hashed);
  } finally {
    await zip.close();
  }
}

async function fetchToolchain(base: string, version: string, proxy: string, dispatcher: Dispatcher): Promise<string> {
  const moduleVersion = toolchainModuleVersion(version);
  // The expected hash first: a proxy that cannot tell it is not trusted with a compiler.
  const lookup = await getText(checksumLookupUrl(proxy, moduleVersion), dispatcher).catch((err: unknown) => {
    throw new DownloadError(
      `the Go checksum database (through ${proxy}) gave no hash for ${TOOLCHAIN_MODULE}@${moduleVersion}, so the toolchain cannot be verified: ${(err as Error).message}`,
      err,
    );
  });
  const expected = zipHashFromLookup(lookup, TOOLCHAIN_MODULE, moduleVersion);
  if (!expected) throw new DownloadError(`the Go checksum database's answer for ${TOOLCHAIN_MODULE}@${moduleVersion} holds no h1 hash`);

  const scratch = join(base, `scratch-${process.pid}`);
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true });
  try {
    const zipPath = join(scratch, 'toolchain.zip');
    await downloadFile(toolchainUrl(proxy, `${moduleVersion}.zip`), zipPath, dispatcher);
    const tree = join(scratch, 'tree');
    const actual = await unpack(zipPath, moduleVersion, tree);
    if (actual !== expected) {
      throw new DownloadError(`the Go ${version} toolchain from ${proxy} failed its checksum (${actual}, the checksum database says ${expected})`);
    }
    await rm(join(base, 'tree'), { recursive: true, force: true });
    await rename(tree, join(base, 'tree'));
    await writeFile(join(base, 'toolchain.json'), JSON.stringify({ version, hash: expected }));
    return expected;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Whether the toolchain for `version` is already in the cache (no proxy needed). */
export async function cachedToolchain(cacheDir: string, version: string): Promise<GoToolchain | null> {
  const base = toolchainDir(cacheDir, version);
  const cached = await readCached(base, version);
  return cached ? { version, dir: join(base, 'tree'), hash: cached.hash, cached: true } : null;
}

/** The toolchain for `version`, downloaded, verified and unpacked unless the cache has it. */
export async function ensureGoToolchain(options: {
  cacheDir: string;
  proxy: string;
  version: string;
  dispatcher: Dispatcher;
}): Promise<GoToolchain> {
  const { cacheDir, version } = options;
  const found = await cachedToolchain(cacheDir, version);
  if (found) return found;
  const base = toolchainDir(cacheDir, version);
  return withFileLock(`${base}.lock`, async () => {
    const again = await cachedToolchain(cacheDir, version);
    if (again) return again;
    await mkdir(base, { recursive: true });
    const hash = await fetchToolchain(base, version, options.proxy, options.dispatcher);
    return { version, dir: join(base, 'tree'), hash, cached: false };
  });
}
