import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findNodeModules, installedPaths, withinOrAbove } from './dependency-paths.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-paths-'));
  for (const path of ['node_modules/.pnpm/ms@2.1.3/node_modules/ms', 'packages/web/node_modules/@x', 'packages/lib/src', '.yarn/cache', '.git/node_modules']) {
    await mkdir(join(dir, path), { recursive: true });
  }
  await symlink('../../lib', join(dir, 'packages/web/node_modules/@x/lib'));
  await symlink('/etc', join(dir, 'packages/lib/node_modules'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('dependency paths', () => {
  it('finds the outermost real node_modules directories, not inside .git, not through links', async () => {
    expect(await findNodeModules(dir)).toEqual(['node_modules', 'packages/web/node_modules']);
  });

  it('adds Yarn PnP\'s files only when .pnp.cjs exists', async () => {
    expect(await installedPaths(dir)).toEqual(['node_modules', 'packages/web/node_modules']);
    await writeFile(join(dir, '.pnp.cjs'), '');
    await writeFile(join(dir, '.pnp.loader.mjs'), '');
    expect(await installedPaths(dir)).toEqual(['.pnp.cjs', '.pnp.loader.mjs', '.yarn/cache', 'node_modules', 'packages/web/node_modules']);
  });

  it('selects the paths, what is inside them, and the directories above them', () => {
    const inside = withinOrAbove(['packages/web/node_modules', '.pnp.cjs']);
    expect(['packages', 'packages/web', 'packages/web/node_modules', 'packages/web/node_modules/x/y.js', '.pnp.cjs'].every(inside)).toBe(true);
    expect(['packages/web/server.js', 'packages/lib', '.pnp.cjs.bak', 'server.js'].some(inside)).toBe(false);
  });
});
