import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DependencyCache } from './dependencies.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-deps-'));
  await mkdir(join(dir, 'node_modules', 'ms'), { recursive: true });
  await writeFile(join(dir, 'node_modules', 'ms', 'index.js'), 'module.exports = 1;\n');
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('DependencyCache', () => {
  it('misses, then returns the stored layer under its key', async () => {
    const cache = new DependencyCache(join(dir, 'cache'));
    expect(await cache.get('k1')).toBeNull();
    const layer = await cache.put('k1', dir, ['node_modules']);
    expect(await cache.get('k1')).toEqual(layer);
  });

  it('keeps only the newest key, so an app\'s cache does not grow without bound', async () => {
    const cache = new DependencyCache(join(dir, 'cache2'));
    await cache.put('old', dir, ['node_modules']);
    await cache.put('new', dir, ['node_modules']);
    expect(await cache.get('old')).toBeNull();
    expect((await readdir(join(dir, 'cache2'))).sort()).toEqual(['new.json', 'new.tar.gz']);
  });

  it('ignores an entry whose blob is gone', async () => {
    const cache = new DependencyCache(join(dir, 'cache3'));
    await cache.put('k', dir, ['node_modules']);
    await rm(join(dir, 'cache3', 'k.tar.gz'));
    expect(await cache.get('k')).toBeNull();
  });
});
