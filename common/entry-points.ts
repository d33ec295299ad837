// Process entry points (agents, the git hook, platform children) always run from the
// compiled output in dist/, also when the code that spawns them runs from TypeScript
// sources (tests). `npm test` and `npm start` compile first.
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export function repoRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${start}`);
    dir = parent;
  }
  return dir;
}

/** The compiled .js file for `relativePath` (e.g. '../agent/main.js') seen from module `fromUrl`. */
export function compiledEntry(fromUrl: string, relativePath: string): string {
  const target = fileURLToPath(new URL(relativePath, fromUrl));
  const root = repoRoot(dirname(fileURLToPath(fromUrl)));
  const inRepo = relative(root, target);
  return inRepo.startsWith(`dist/`) ? target : join(root, 'dist', inRepo);
}
