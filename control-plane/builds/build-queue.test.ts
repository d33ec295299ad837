// The platform-wide build queue, through real git pushes: with one build slot, a push for
// another app waits, says so, and builds once the first is done.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';
import { waitFor } from '../../test/support/wait.js';
import type { BuildInput, Builder } from './builder.js';

const exec = promisify(execFile);

/** Builds wait for the test to let them finish; records how many ran at once. */
class GatedBuilder implements Builder {
  ready = true;
  running = new Map<string, () => void>();
  mostAtOnce = 0;
  async prepare() {}
  async build(input: BuildInput) {
    input.source.resume();
    await new Promise<void>((resolve) => {
      this.running.set(input.appName, resolve);
      this.mostAtOnce = Math.max(this.mostAtOnce, this.running.size);
    });
    this.running.delete(input.appName);
    return { image: { repository: `apps/${input.appName}`, digest: `sha256:${'1'.repeat(64)}` }, processTypes: {}, buildpack: 'fake', stack: 'bookworm' };
  }
  async tagImage() {}
}

describe('build queue', () => {
  let cp: TestControlPlane;
  let work: string;
  const builder = new GatedBuilder();

  const push = (app: string) => {
    const url = new URL(`${cp.url}/${app}.git`);
    url.username = 'anyone';
    url.password = cp.adminToken;
    return exec('git', ['push', url.toString(), 'main'], { cwd: work, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } }).then(
      (r) => ({ code: 0, out: r.stdout + r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
    );
  };

  beforeAll(async () => {
    cp = await startTestControlPlane({ SLIPWAY_BUILD_CONCURRENCY: '1' }, { builder });
    for (const name of ['first', 'second']) await apiClient(cp.url, cp.adminToken)('POST', '/apps', { name });
    work = await mkdtemp(join(tmpdir(), 'slipway-queue-'));
    await writeFile(join(work, 'index.js'), 'console.log(1)\n');
    for (const args of [['init', '-q', '-b', 'main'], ['add', '.'], ['-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '-qm', 'one']]) {
      await exec('git', args, { cwd: work });
    }
  });
  afterAll(async () => {
    await cp?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('holds a second push in the queue, saying how many are ahead, until a slot frees', async () => {
    const first = push('first');
    await waitFor('the first build to start', () => builder.running.has('first'));
    const second = push('second');
    const builds = apiClient(cp.url, cp.adminToken);
    // the second push's build is recorded (pending) but does not run while the first does
    await waitFor('the second build to be queued', async () => (await builds('GET', '/apps/second/builds')).body.length === 1);
    expect(builder.running.has('second')).toBe(false);
    builder.running.get('first')!();
    await waitFor('the second build to start', () => builder.running.has('second'));
    builder.running.get('second')!();
    const [one, two] = await Promise.all([first, second]);
    expect(one.code).toBe(0);
    expect(one.out).not.toContain('Waiting for a build slot');
    expect(two.out).toContain('remote: -----> Waiting for a build slot (1 ahead)');
    expect(two.out).toContain('remote: -----> Released v1');
    expect(two.code).toBe(0);
    expect(builder.mostAtOnce).toBe(1);
  });
});
