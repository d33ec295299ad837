// A real build (real stack, Docker, registry, git) that prints one 300 MB line and then
// megabytes of ordinary lines, pushed through the control plane: the pusher sees where the
// output was cut, the build still completes, and the control plane's memory stays bounded.
import { spawn } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger.js';
import { removeTestContainers, testBuilderConfig, uniqueAppName } from '../../buildpacks/testing/build-fixtures.js';
import { apiClient, startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';
import { startTestRegistry } from '../../test/support/services.js';
import type { RunningService } from '../../supervisor/services.js';
import { BuildpacksBuilder } from './buildpacks-builder.js';

const docker = new Docker();
const MAX_LINE_BYTES = 4096;
const MAX_LOG_BYTES = 1024 * 1024;
const KEPT_OUTPUT = 8 * 1024 * 1024;

/** Runs git, keeping at most KEPT_OUTPUT of its output (a build log may be huge) and counting all of it. */
function git(args: string[], cwd: string): Promise<{ code: number; out: string; bytes: number }> {
  return new Promise((resolve) => {
    const child = spawn('git', args, { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
    let out = '';
    let bytes = 0;
    const keep = (chunk: Buffer) => {
      bytes += chunk.length;
      if (out.length < KEPT_OUTPUT) out += chunk.toString();
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('close', (code) => resolve({ code: code ?? -1, out, bytes }));
  });
}

describe('build output limits', () => {
  let registry: RunningService;
  let cp_: TestControlPlane;
  let work: string;
  const app = uniqueAppName('loud');
  const log = { maxLineBytes: MAX_LINE_BYTES, maxBytes: MAX_LOG_BYTES };

  beforeAll(async () => {
    registry = await startTestRegistry();
    // npm: the cached runtime and metadata only (nothing is fetched from outside this machine)
    const builderConfig = { ...testBuilderConfig(registry.url, { npmRegistry: 'http://127.0.0.1:1' }), log };
    const builder = new BuildpacksBuilder(docker, builderConfig, silentLogger());
    await builder.prepare();
    cp_ = await startTestControlPlane({ SLIPWAY_REGISTRY: registry.url }, { builder });
    expect((await apiClient(cp_.url, cp_.adminToken)('POST', '/apps', { name: app })).status).toBe(201);
    work = await mkdtemp(join(tmpdir(), 'slipway-loud-'));
    await cp(fileURLToPath(new URL('../../test/fixtures/node-loud/', import.meta.url)), work, { recursive: true });
    for (const args of [['init', '-q', '-b', 'main'], ['add', '.'], ['-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '-qm', 'loud']]) {
      await git(args, work);
    }
  }, 600_000);

  afterAll(async () => {
    await removeTestContainers(docker);
    await cp_?.stop();
    await registry?.stop();
    if (work) await rm(work, { recursive: true, force: true });
    await rm(join(testBuilderConfig("").cacheDir, 'apps', app), { recursive: true, force: true });
  });

  it('cuts the huge line and the log, says where, completes the build, and keeps memory bounded', async () => {
    const url = new URL(`${cp_.url}/${app}.git`);
    url.username = 'anyone';
    url.password = cp_.adminToken;
    global.gc?.();
    const baseline = process.memoryUsage.rss();
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
    const result = await git(['push', url.toString(), 'main'], work).finally(() => clearInterval(sampler));
    const grewMb = (peak - baseline) / 1024 / 1024;
    console.log(`control plane RSS grew by ${grewMb.toFixed(0)} MB during the push; the pusher got ${(result.bytes / 1024).toFixed(0)} kB`);

    expect(result.out).toContain(`${'x'.repeat(100)} [line cut at ${MAX_LINE_BYTES} bytes]`);
    expect(result.out).toContain('build log cut at 1 MB: the build goes on');
    expect(result.out).not.toContain('line 49999');
    expect(result.out).toContain('remote: -----> Released v1');
    expect(result.code).toBe(0);
    // a 300 MB line and 4.5 MB of lines: what the pusher got is about the 1 MB allowed
    expect(result.bytes).toBeLessThan(2 * MAX_LOG_BYTES);
    expect(grewMb).toBeLessThan(150);
    const builds = await apiClient(cp_.url, cp_.adminToken)('GET', `/apps/${app}/builds`);
    expect(builds.body.map((b: { status: string }) => b.status)).toEqual(['succeeded']);
  }, 600_000);
});
