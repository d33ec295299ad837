import { describe, expect, it } from 'vitest';
import { appLayerExcluder } from './build.js';

describe('appLayerExcluder', () => {
  it('leaves out .git and each path a contributed layer holds, with everything under it', () => {
    const exclude = appLayerExcluder(['node_modules', 'packages/web/node_modules', '.pnp.cjs', '.yarn/cache']);
    for (const path of ['.git', '.git/HEAD', 'node_modules', 'node_modules/ms/index.js', 'packages/web/node_modules/x', '.pnp.cjs', '.yarn/cache/ms.zip']) {
      expect(exclude(path), path).toBe(true);
    }
    for (const path of ['server.js', 'packages', 'packages/web', 'packages/web/server.js', '.pnp.cjs.orig', '.yarn', '.yarn/releases/yarn.cjs', 'node_modules2']) {
      expect(exclude(path), path).toBe(false);
    }
  });
});
