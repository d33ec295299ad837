// A real build printing 150 MB (under the log limit) to a pusher that stops reading (the test
// stops reading git's output, so the whole chain back to the build fills up): the build's output waits for the pusher instead of piling up in the
// control plane; once the pusher reads again, every line arrives and the build completes.
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger.js';
import { removeTestContainers, testBuilderConfig, uniqueAppName } from '../../buildpacks/testing/build-fixtures.js';
import { apiClient, startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';
import { startTestRegistry } from '../../test/support/services.js';
import { waitFor } from '../../test/support/wait.js';
import type { RunningService } from '../../supervisor/services.js';
import { BuildpacksBuilder } from './buildpacks-builder.js';

const docker = new Docker();
const TOTAL_LINES = 150_000;
const MB = 1024 * 1024;

describe('a pusher that stops reading', () => {
  let registry: RunningService;
  let controlPlane: TestControlPlane;
  let work: string;
  const app = uniqueAppName('chatty');
  // npm: the cached runtime and metadata only (nothing is fetched from outside this machine)
  const config = { ...testBuilderConfig('', { npmRegistry: 'http://127.0.0.1:1' }), log: { maxLineBytes: 8192, maxBytes: 512 * MB } };

  beforeAll(async () => {
    registry = await startTestRegistry();
    const builder = new BuildpacksBuilder(docker, { ...config, registry: registry.url }, silentLogger());
    await builder.prepare();
    controlPlane = await startTestControlPlane({ SLIPWAY_REGISTRY: registry.url }, { builder });
    expect((await apiClient(controlPlane.url, controlPlane.adminToken)('POST', '/apps', { name: app })).status).toBe(201);
    work = await mkdtemp(join(tmpdir(), 'slipway-chatty-'));
    await cp(fileURLToPath(new URL('../../test/fixtures/node-chatty/', import.meta.url)), work, { recursive: true });
    const git = (...args: string[]) => new Promise((resolve) => spawn('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.com', ...args], { cwd: work }).on('close', resolve));
    await git('init', '-q', '-b', 'main');
    await git('add', '.');
    await git('commit', '-qm', 'chatty');
  }, 600_000);

  afterAll(async () => {
    await removeTestContainers(docker);
    await controlPlane?.stop();
    await registry?.stop();
    if (work) await rm(work, { recursive: true, force: true });
    await rm(join(config.cacheDir, 'apps', app), { recursive: true, force: true });
  });

  /** How many lines the build has printed (from the file it writes in its workspace). */
  async function progress(buildId: string): Promise<number> {
    const dir = join(config.workDir, 'builds');
    const workspace = (await readdir(dir)).find((name) => name.startsWith(`${buildId}-`));
    if (!workspace) return 0;
    return Number(await readFile(join(dir, workspace, 'app', 'progress'), 'utf8').catch(() => '0')) || 0;
  }

  it('holds the build back while the pusher does not read, without buffering its output, then delivers it all', async () => {
    const url = new URL(`${controlPlane.url}/${app}.git`);
    url.username = 'anyone';
    url.password = controlPlane.adminToken;
    const pusher = spawn('git', ['push', url.toString(), 'main'], { cwd: work, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
    let tail = '';
    let bytes = 0;
    let started = false;
    let stoppedAt = 0;
    const onOutput = (chunk: Buffer) => {
      bytes += chunk.length;
      const text = chunk.toString();
      const seen = (tail.slice(-100) + text).includes('chatty build started');
      tail = (tail + text).slice(-20_000);
      if (!started && seen) {
        started = true;
        stoppedAt = process.memoryUsage.rss();
        pusher.stdout.pause();
        pusher.stderr.pause();
      }
    };
    pusher.stdout.on('data', onOutput);
    pusher.stderr.on('data', onOutput);
    const exited = new Promise<number>((resolve) => pusher.on('close', (code) => resolve(code ?? -1)));

    await waitFor('the build to start printing', () => started, 300_000).catch((err: unknown) => {
      throw new Error(`${String(err)}; the pusher saw: ${tail.slice(-2000)}`);
    });
    const [build] = (await apiClient(controlPlane.url, controlPlane.adminToken)('GET', `/apps/${app}/builds`)).body as { id: string }[];
    // The build's output stalls (the same count twice, a second apart) well before its end.
    let last = -1;
    let since = 0;
    const held = await waitFor(
      'the build to be held back by the pusher that does not read',
      async () => {
        const now = await progress(build!.id);
        if (now === TOTAL_LINES) throw new Error('the build printed everything although nobody read it');
        if (now !== last) [last, since] = [now, Date.now()];
        return now > 0 && Date.now() - since >= 1000 ? now : null;
      },
      120_000,
    );
    const grewMb = (process.memoryUsage.rss() - stoppedAt) / MB;
    console.log(`held at line ${held} of ${TOTAL_LINES}; control plane RSS grew by ${grewMb.toFixed(0)} MB while the pusher did not read`);
    expect(held).toBeLessThan(TOTAL_LINES / 2);
    expect(grewMb).toBeLessThan(60);

    pusher.stdout.resume();
    pusher.stderr.resume();
    expect(await exited).toBe(0);
    expect(tail).toContain('chatty build done');
    expect(tail).toContain('remote: -----> Released v1');
    expect(bytes).toBeGreaterThan(TOTAL_LINES * 1000);
  }, 600_000);
});
