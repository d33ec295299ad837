import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VenvCache } from './venv-cache.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function cacheWithVenv(): Promise<VenvCache> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-venv-cache-'));
  dirs.push(dir);
  const cache = new VenvCache(dir);
  await cache.prepare();
  await mkdir(join(cache.venv, 'bin'), { recursive: true });
  await writeFile(join(cache.venv, 'pyvenv.cfg'), 'home = /usr/bin\n');
  return cache;
}

describe('VenvCache', () => {
  it('gives the layer back under its key only, and forgets it when an install starts', async () => {
    const cache = await cacheWithVenv();
    await mkdir(join(cache.venv, 'lib', 'python3.11', 'site-packages', 'Django-5.2.19.dist-info'), { recursive: true });
    await symlink('/usr/bin/python3.11', join(cache.venv, 'bin', 'python'));
    const layer = await cache.put('k1');
    expect(await cache.get('k1')).toEqual(layer);
    expect(await cache.get('k2')).toBeNull();
    expect(await cache.sitePackagesEntries('3.11')).toEqual(['Django-5.2.19.dist-info']);
    await cache.prepare();
    expect(await cache.get('k1')).toBeNull();
  });

  it('does not list a site-packages that a symlink puts outside the tree', async () => {
    const cache = await cacheWithVenv();
    const outside = await mkdtemp(join(tmpdir(), 'slipway-outside-'));
    dirs.push(outside);
    await mkdir(join(outside, 'python3.11', 'site-packages', 'secret-1.0.dist-info'), { recursive: true });
    await symlink(outside, join(cache.venv, 'lib'));
    expect(await cache.sitePackagesEntries('3.11')).toEqual([]);
  });
});
