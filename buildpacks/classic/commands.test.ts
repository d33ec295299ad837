// The compile wrapper's `export` handling, run with the host's bash on a temporary tree (the
// same script the build container runs; only the paths differ).
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { compileArgv, COMPILE_SCRIPT, detectArgv, releaseArgv } from './commands.js';

const run = promisify(execFile);
const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('classic buildpack commands', () => {
  it('are argv arrays with Heroku\'s arguments, the exports of earlier buildpacks after a fixed script', () => {
    expect(detectArgv(0)).toEqual(['/buildpacks/0/bin/detect', '/app']);
    expect(releaseArgv(1)).toEqual(['/buildpacks/1/bin/release', '/app']);
    expect(compileArgv(0)).toEqual(['bash', '-c', COMPILE_SCRIPT, 'compile', '/buildpacks/0/bin/compile', '/app', '/cache/buildpacks/0', '/slipway/env']);
    expect(compileArgv(2).slice(-2)).toEqual(['/buildpacks/0/export', '/buildpacks/1/export']);
  });

  it('sources earlier exports in order, skips missing ones, then runs compile with BUILD_DIR CACHE_DIR ENV_DIR', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-compile-'));
    dirs.push(dir);
    await mkdir(join(dir, 'bp'), { recursive: true });
    await writeFile(join(dir, 'first-export'), 'export FROM_FIRST=1; export ORDER=first; export PATH="/first/bin:$PATH"\n');
    await writeFile(join(dir, 'second-export'), 'export ORDER="$ORDER,second"\n');
    const compile = join(dir, 'bp', 'compile');
    await writeFile(compile, '#!/usr/bin/env bash\necho "args=$*"; echo "from_first=$FROM_FIRST order=$ORDER path_head=${PATH%%:*}"\n', { mode: 0o755 });
    const { stdout } = await run('bash', ['-c', COMPILE_SCRIPT, 'compile', compile, '/b', '/c', '/e', join(dir, 'first-export'), join(dir, 'missing'), join(dir, 'second-export')]);
    expect(stdout.split('\n')).toEqual(['args=/b /c /e', 'from_first=1 order=first,second path_head=/first/bin', '']);
  });

  it('fails when an export fails, and passes compile\'s exit code on', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-compile-'));
    dirs.push(dir);
    const compile = join(dir, 'compile');
    await writeFile(compile, '#!/usr/bin/env bash\nexit 7\n', { mode: 0o755 });
    await expect(run('bash', ['-c', COMPILE_SCRIPT, 'compile', compile, '/b', '/c', '/e'])).rejects.toMatchObject({ code: 7 });
    await writeFile(join(dir, 'bad-export'), 'false\n');
    await writeFile(compile, '#!/usr/bin/env bash\necho ran\n', { mode: 0o755 });
    await expect(run('bash', ['-c', COMPILE_SCRIPT, 'compile', compile, '/b', '/c', '/e', join(dir, 'bad-export')])).rejects.toMatchObject({ code: 1 });
  });
});
