// The Yarn or pnpm layer: the manager's npm package (verified against the registry's
// integrity) unpacked at /layers/<yarn|pnpm>/lib with a bin/<name> launcher. Its own layer,
// beside the Node.js one, so the Node.js layer stays shared by every app whatever its
// manager, and a manager upgrade uploads only this small layer. Built once per package and
// version in the global cache (tree mounted into builds, layer blob mounted from
// RUNTIMES_REPOSITORY), like the Node.js runtime.
import { createHash } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dispatcher } from 'undici';
import { downloadVerified } from '../downloads.js';
import { withFileLock } from '../lock.js';
import { savedLayerBlob, type LayerBlob } from '../oci/blob.js';
import { writeTarLayer } from '../oci/tar-layer.js';
import type { ManagerDistribution } from './manager-versions.js';
import type { VersionInfo } from './metadata-types.js';
import { expectedHash, NpmRegistryError } from './npm-http.js';
import { extractPackageTarball } from '../package-tarball.js';
import type { PinnedHash } from './package-manager.js';

export interface ManagerRuntime {
  name: 'yarn' | 'pnpm';
  version: string;
  /** the tree to mount at `mountPath` */
  dir: string;
  mountPath: string;
  layer: LayerBlob;
  /** hashes of the downloaded tarball (and of Yarn's bin/yarn.js), for a `packageManager` pin */
  hashes: PinnedHash[];
  cached: boolean;
}

export const managerMountPath = (name: 'yarn' | 'pnpm'): string => `/layers/${name}`;

/** The launcher script: runs the package's entry with the runtime's node, or the native executable. */
export function launcherScript(mountPath: string, distribution: Pick<ManagerDistribution, 'entry' | 'native'>): string {
  const target = `${mountPath}/lib/${distribution.entry}`;
  return distribution.native ? `#!/bin/sh\nexec "${target}" "$@"\n` : `#!/bin/sh\nexec node "${target}" "$@"\n`;
}

const HASH_ALGORITHMS = ['sha1', 'sha224', 'sha256', 'sha512'];

async function hashesOf(file: string): Promise<PinnedHash[]> {
  const bytes = await readFile(file);
  return HASH_ALGORITHMS.map((algorithm) => ({ algorithm, digest: createHash(algorithm).update(bytes).digest('hex') }));
}

interface Saved {
  layer: LayerBlob;
  hashes: PinnedHash[];
}

async function readCached(base: string, name: string): Promise<Saved | null> {
  try {
    const saved = JSON.parse(await readFile(join(base, 'layer.json'), 'utf8')) as { layer: unknown; hashes: PinnedHash[] };
    const layer = savedLayerBlob.parse(saved.layer);
    if ((await stat(layer.path)).size !== layer.size) return null;
    await stat(join(base, 'tree', 'bin', name));
    return { layer, hashes: saved.hashes };
  } catch {
    return null;
  }
}

async function assemble(base: string, name: 'yarn' | 'pnpm', distribution: ManagerDistribution, info: VersionInfo, dispatcher: Dispatcher): Promise<Saved> {
  const scratch = join(base, `scratch-${process.pid}`);
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true });
  try {
    const expected = expectedHash(info.dist.integrity, info.dist.shasum);
    if (!expected) throw new NpmRegistryError(`the registry gives no integrity for ${info.dist.tarball}`);
    const tarball = join(scratch, 'package.tgz');
    await downloadVerified(info.dist.tarball, expected, tarball, dispatcher);
    const tree = join(scratch, 'tree');
    await extractPackageTarball(tarball, join(tree, 'lib'));
    const entry = join(tree, 'lib', distribution.entry);
    await stat(entry);
    if (distribution.native) await chmod(entry, 0o755);
    await mkdir(join(tree, 'bin'), { recursive: true });
    await writeFile(join(tree, 'bin', name), launcherScript(managerMountPath(name), distribution), { mode: 0o755 });
    const hashes = [...(await hashesOf(tarball)), ...(name === 'yarn' ? await hashesOf(entry) : [])];
    await rm(join(base, 'tree'), { recursive: true, force: true });
    await rename(tree, join(base, 'tree'));
    const layer = await writeTarLayer([{ root: join(base, 'tree'), prefix: managerMountPath(name).slice(1) }], join(base, 'layer.tar.gz'));
    await writeFile(join(base, 'layer.json'), JSON.stringify({ layer, hashes }));
    return { layer, hashes };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The layer for `distribution`, downloading (and verifying) it unless the global cache has it. */
export async function ensureManagerRuntime(options: {
  cacheDir: string;
  name: 'yarn' | 'pnpm';
  distribution: ManagerDistribution;
  info: VersionInfo;
  dispatcher: Dispatcher;
}): Promise<ManagerRuntime> {
  const { name, distribution } = options;
  const key = `${distribution.packageName.replace(/[@/]/g, (c) => (c === '@' ? '' : '-'))}-${distribution.version}`;
  const base = join(options.cacheDir, 'package-managers', key);
  const result = (saved: Saved, cached: boolean): ManagerRuntime => ({
    name,
    version: distribution.version,
    dir: join(base, 'tree'),
    mountPath: managerMountPath(name),
    layer: saved.layer,
    hashes: saved.hashes,
    cached,
  });
  const cached = await readCached(base, name);
  if (cached) return result(cached, true);
  return withFileLock(join(options.cacheDir, 'package-managers', `${key}.lock`), async () => {
    const again = await readCached(base, name);
    if (again) return result(again, true);
    await mkdir(base, { recursive: true });
    return result(await assemble(base, name, distribution, options.info, options.dispatcher), false);
  });
}
