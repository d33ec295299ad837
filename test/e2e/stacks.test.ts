// Stacks on the real platform (`npm start`'s launcher): an app created on the default stack
// (bookworm), moved to trixie with the real CLI's `stack:set`, pushed with git, served through
// the router, and its running container is Debian 13. Bad stack names are 422s naming the stacks.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTANCE_LABELS } from '../../common/labels.js';
import { ensureCliBuilt } from '../../cli/testing/cli-harness.js';
import { api, dockerContainersLabeled, fixtureRepo, git, gitUrl, newHome, platformEnv, removePlatformImages, startPlatform, viaRouter, waitFor, type RunningPlatform } from './harness.js';

const exec = promisify(execFile);
const APP = 'stacky';

describe('an app moved from bookworm to trixie', () => {
  let env: Record<string, string>;
  let platform: RunningPlatform;
  let call: ReturnType<typeof api>;
  let cli: string;
  let cliHome: string;
  let repo: string;
  const cleanup: string[] = [];

  /** The compiled CLI as a user runs it, pointed at this platform by its environment. */
  const slipway = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [cli, ...args], {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cliHome, SLIPWAY_API_URL: platform.endpoints.api, SLIPWAY_API_TOKEN: platform.endpoints.token },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('error', reject);
      child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });

  beforeAll(async () => {
    const home = await newHome();
    cliHome = await mkdtemp(join(tmpdir(), 'slipway-e2e-stacks-cli-'));
    cleanup.push(home, cliHome);
    env = await platformEnv(home, { SLIPWAY_RECONCILE_INTERVAL_MS: '1000', SLIPWAY_STOP_GRACE_SECONDS: '5' });
    [cli, platform] = await Promise.all([ensureCliBuilt(), startPlatform(env)]);
    call = api(platform.endpoints);
  });

  afterAll(async () => {
    await platform?.stop().catch(() => {});
    await removePlatformImages(env);
    for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
  });

  it('lists the stacks, bookworm the default', async () => {
    const stacks = await call('GET', '/stacks');
    expect(stacks.status).toBe(200);
    expect(stacks.body.map((s: { name: string; default: boolean; state: string }) => [s.name, s.default, s.state])).toEqual([
      ['bookworm', true, 'active'],
      ['trixie', false, 'active'],
    ]);
  });

  it('creates the app on bookworm', async () => {
    const created = await slipway(['apps:create', APP]);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const app = await call('GET', `/apps/${APP}`);
    expect(app.body.stack.name).toBe('bookworm');
    expect(app.body.build_stack.name).toBe('bookworm');
    expect((await slipway(['stack', '-a', APP])).stdout).toBe(`=== ${APP} Available Stacks\n* bookworm\n  trixie\n`);
  });

  it('refuses a stack that does not exist with a 422 naming the stacks', async () => {
    const patched = await call('PATCH', `/apps/${APP}`, { build_stack: 'buster' });
    expect(patched.status).toBe(422);
    expect(patched.body.message).toBe('Stack "buster" does not exist. Stacks: bookworm, trixie.');
    const set = await slipway(['stack:set', 'buster', '-a', APP]);
    expect(set.code).toBe(1);
    expect(set.stderr).toContain('Stack "buster" does not exist. Stacks: bookworm, trixie.');
    expect((await call('GET', `/apps/${APP}`)).body.build_stack.name).toBe('bookworm');
  });

  it('sets the stack to trixie with stack:set, for the next build', async () => {
    const set = await slipway(['stack:set', 'trixie', '-a', APP]);
    expect(set.stderr).toBe('');
    expect(set.code).toBe(0);
    expect(set.stdout).toBe(
      [
        'Setting stack to trixie... done',
        `You will need to redeploy ${APP} for the change to take effect.`,
        `Run git push slipway main to trigger a new build on ${APP}.`,
        '',
      ].join('\n'),
    );
    expect((await slipway(['stack', '-a', APP])).stdout).toBe(`=== ${APP} Available Stacks\n* bookworm\n  trixie (active on next deploy)\n`);
  });

  it('builds the push on trixie and serves it through the router from a Debian 13 container', async () => {
    repo = await fixtureRepo('e2e-hello');
    cleanup.push(repo);
    const started = Date.now();
    const pushed = await git(repo, ['push', gitUrl(platform.endpoints, APP), 'HEAD:main']);
    console.log(`${pushed.out}\npush took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    // the platform prepared bookworm at start; trixie is prepared by this first build on it
    expect(pushed.out).toContain('remote: -----> Preparing the trixie stack (the first build on it here)');
    expect(pushed.out).toContain('remote: -----> Building on the Slipway trixie stack');
    expect(pushed.out).toContain('Released v1');
    expect(pushed.code, pushed.out).toBe(0);
    const served = await waitFor('stacky through the router', async () => {
      const res = await viaRouter(platform.endpoints, APP);
      return res.status === 200 && res.body;
    }, 30_000);
    expect(served).toMatch(/^hello v1 from web\.1/);

    const [container] = await dockerContainersLabeled(`${INSTANCE_LABELS.app}=${APP}`);
    expect(container).toBeDefined();
    const { stdout } = await exec('docker', ['exec', container!, 'bash', '-c', 'cat /etc/debian_version; . /etc/os-release; echo $VERSION_CODENAME']);
    expect(stdout).toMatch(/^13\.\d+\ntrixie\n$/);

    const app = (await call('GET', `/apps/${APP}`)).body;
    expect([app.stack.name, app.build_stack.name]).toEqual(['trixie', 'trixie']);
    expect((await call('GET', `/apps/${APP}/releases/1`)).body.stack.name).toBe('trixie');
    expect((await slipway(['stack', '-a', APP])).stdout).toBe(`=== ${APP} Available Stacks\n  bookworm\n* trixie\n`);
  }, 900_000);
});
