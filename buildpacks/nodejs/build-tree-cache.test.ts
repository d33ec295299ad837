import { lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BuildTreeCache } from './build-tree-cache.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-tree-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

async function installedApp(name: string): Promise<string> {
  const app = join(dir, name);
  await mkdir(join(app, 'node_modules', 'vite', 'bin'), { recursive: true });
  await writeFile(join(app, 'node_modules', 'vite', 'bin', 'vite.js'), '// vite\n', { mode: 0o755 });
  await mkdir(join(app, 'node_modules', '.bin'), { recursive: true });
  await symlink('../vite/bin/vite.js', join(app, 'node_modules', '.bin', 'vite'));
  await mkdir(join(app, 'packages', 'ui', 'node_modules', 'react'), { recursive: true });
  await writeFile(join(app, 'packages', 'ui', 'node_modules', 'react', 'index.js'), '// react\n');
  await writeFile(join(app, 'index.html'), 'site\n');
  return app;
}

describe('BuildTreeCache', () => {
  it('restores nothing before a tree was saved', async () => {
    const app = join(dir, 'fresh');
    await mkdir(app);
    expect(await new BuildTreeCache(join(dir, 'cache')).restore('k1', app)).toBe(false);
    expect(await readdir(app)).toEqual([]);
  });

  it('puts the saved tree (workspaces, links, modes) into a fresh checkout', async () => {
    const cache = new BuildTreeCache(join(dir, 'cache'));
    await cache.save('k1', await installedApp('built'));
    const next = join(dir, 'next');
    await mkdir(next);
    await writeFile(join(next, 'index.html'), 'site v2\n');
    expect(await cache.restore('k1', next)).toBe(true);
    expect(await readFile(join(next, 'node_modules', 'vite', 'bin', 'vite.js'), 'utf8')).toBe('// vite\n');
    expect((await lstat(join(next, 'node_modules', 'vite', 'bin', 'vite.js'))).mode & 0o777).toBe(0o755);
    expect(await readlink(join(next, 'node_modules', '.bin', 'vite'))).toBe('../vite/bin/vite.js');
    expect(await readFile(join(next, 'packages', 'ui', 'node_modules', 'react', 'index.js'), 'utf8')).toBe('// react\n');
    expect(await readFile(join(next, 'index.html'), 'utf8')).toBe('site v2\n');
  });

  it('replaces a checked-in node_modules rather than merging into it', async () => {
    const cache = new BuildTreeCache(join(dir, 'cache'));
    await cache.save('k1', await installedApp('built'));
    const next = join(dir, 'next');
    await mkdir(join(next, 'node_modules', 'stale'), { recursive: true });
    expect(await cache.restore('k1', next)).toBe(true);
    expect((await readdir(join(next, 'node_modules'))).sort()).toEqual(['.bin', 'vite']);
  });

  it('keeps only the newest key, and a different key misses', async () => {
    const cache = new BuildTreeCache(join(dir, 'cache'));
    const app = await installedApp('built');
    await cache.save('k1', app);
    await cache.save('k2', app);
    expect((await readdir(join(dir, 'cache'))).sort()).toEqual(['k2', 'k2.json']);
    const next = join(dir, 'next');
    await mkdir(next);
    expect(await cache.restore('k1', next)).toBe(false);
    expect(await cache.restore('k2', next)).toBe(true);
  });

  it('misses when a saved path went missing from the cache', async () => {
    const cache = new BuildTreeCache(join(dir, 'cache'));
    await cache.save('k1', await installedApp('built'));
    await rm(join(dir, 'cache', 'k1', 'packages'), { recursive: true });
    const next = join(dir, 'next');
    await mkdir(next);
    expect(await cache.restore('k1', next)).toBe(false);
    expect(await readdir(next)).toEqual([]);
  });
});
