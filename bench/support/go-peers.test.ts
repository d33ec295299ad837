import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cachedBinary, ensureGoProgram, KAMAL_PROXY, TRAEFIK } from './go-peers.js';

describe('ensureGoProgram', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });
  const cacheRoot = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'go-peers-'));
    dirs.push(dir);
    return dir;
  };

  it('keeps each program under its name and version', () => {
    expect(cachedBinary('/cache', TRAEFIK)).toBe('/cache/traefik-v3.6.12/traefik');
    expect(cachedBinary('/cache', KAMAL_PROXY)).toBe('/cache/kamal-proxy-v0.9.2/kamal-proxy');
  });

  it('says why a program is left out when there is no Go toolchain', async () => {
    const build = await ensureGoProgram(TRAEFIK, { cacheRoot: await cacheRoot(), go: 'no-such-go-toolchain', log: () => {} });
    expect(build).toEqual({ skipped: expect.stringContaining('no Go toolchain') });
  });

  it('uses a cached build without asking for the toolchain', async () => {
    const root = await cacheRoot();
    const binary = cachedBinary(root, KAMAL_PROXY);
    await mkdir(join(binary, '..'), { recursive: true });
    await writeFile(binary, '#!/bin/sh\n');
    await chmod(binary, 0o755);
    expect(await ensureGoProgram(KAMAL_PROXY, { cacheRoot: root, go: 'no-such-go-toolchain', log: () => {} })).toEqual({ binary });
  });

  it('says why when the build fails, naming the module', async () => {
    const root = await cacheRoot();
    // A stand-in toolchain that answers `version` and fails everything else.
    const fakeGo = join(root, 'go');
    await writeFile(fakeGo, '#!/bin/sh\n[ "$1" = version ] && { echo "go version go0.0 test"; exit 0; }\necho "module lookup disabled" >&2\nexit 1\n');
    await chmod(fakeGo, 0o755);
    const build = await ensureGoProgram(KAMAL_PROXY, { cacheRoot: root, go: fakeGo, log: () => {} });
    expect(build).toEqual({ skipped: expect.stringMatching(/github\.com\/basecamp\/kamal-proxy@v0\.9\.2 failed: module lookup disabled/) });
  });
});
