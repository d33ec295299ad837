// The compiled `slipway` as a real process, with real git running it as its credential
// helper: login, git:remote, git push through the helper, then releases, builds, rollback
// and scaling, against a real control plane (fake builder) on real Redis and NATS.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildInput, Builder } from '../control-plane/builds/builder.js';
import { startTestControlPlane, type TestControlPlane } from '../test/support/control-plane.js';
import { ensureCliBuilt, type CliResult } from './testing/cli-harness.js';

/** Reads the pushed source and answers with an image and one process type, like a buildpack would. */
class FakeBuilder implements Builder {
  ready = true;
  async prepare() {}
  builds = 0;
  async build(input: BuildInput) {
    input.source.resume();
    await new Promise((resolve) => input.source.once('end', resolve));
    this.builds++;
    input.log('-----> Fake buildpack');
    return {
      image: { repository: `apps/${input.appName}`, digest: `sha256:${String(this.builds).repeat(64)}` },
      processTypes: { worker: 'node worker.js' },
      buildpack: 'fake',
      stack: 'bookworm',
    };
  }
  async tagImage() {}
}

function run(argv: string[], options: { cwd: string; env: Record<string, string>; stdin?: string }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    // a child that exits without reading its stdin (git with nothing to ask) is not an error
    child.stdin.on('error', () => {});
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

describe('slipway as a process', () => {
  let cp: TestControlPlane;
  let cli: string;
  let home: string;
  let repo: string;
  let env: Record<string, string>;
  const builder = new FakeBuilder();

  const slipway = (args: string[], options: { stdin?: string; env?: Record<string, string> } = {}) =>
    run([process.execPath, cli, ...args], { cwd: repo, env: { ...env, ...options.env }, stdin: options.stdin });
  const git = (args: string[], stdin?: string) => run(['git', ...args], { cwd: repo, env, stdin });
  const ok = (result: CliResult) => {
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return result.stdout;
  };

  beforeAll(async () => {
    [cli, cp] = await Promise.all([ensureCliBuilt(), startTestControlPlane({}, { builder })]);
    home = await mkdtemp(join(tmpdir(), 'slipway-cli-proc-home-'));
    repo = await mkdtemp(join(tmpdir(), 'slipway-cli-proc-repo-'));
    // a clean user: no git or slipway config from this machine, git never prompts
    env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' };
    for (const args of [['init', '-q', '-b', 'main'], ['config', 'user.email', 't@example.com'], ['config', 'user.name', 'T']]) {
      expect((await git(args)).code).toBe(0);
    }
  });
  afterAll(async () => {
    await cp?.stop();
    await Promise.all([home, repo].filter(Boolean).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('logs in with a token from stdin and refuses a wrong one with a plain message', async () => {
    expect(ok(await slipway(['login', '--api', cp.url, '--token', '-'], { stdin: `${cp.adminToken}\n` }))).toBe(
      `Logged in to ${cp.url} as admin@slipway.local\n`,
    );
    expect((await stat(join(home, '.config', 'slipway', 'credentials.json'))).mode & 0o777).toBe(0o600);
    expect(ok(await slipway(['whoami']))).toBe('admin@slipway.local (operator)\n');

    const wrong = await slipway(['whoami'], { env: { SLIPWAY_API_TOKEN: `slw_0000000000000000_${'x'.repeat(43)}` } });
    expect(wrong).toEqual({ code: 1, stdout: '', stderr: 'Error: Invalid credentials provided.\n' });
  });

  it('sets up the git remote whose credential helper hands git the token, for that URL only', async () => {
    ok(await slipway(['apps:create', 'proc-app']));
    const url = `${cp.url}/proc-app.git`;
    expect(ok(await slipway(['git:remote', '-a', 'proc-app']))).toContain(`Added git remote slipway: ${url}`);
    expect((await git(['remote', 'get-url', 'slipway'])).stdout.trim()).toBe(url);

    const filled = await git(['credential', 'fill'], `url=${url}\n\n`);
    expect(filled.code).toBe(0);
    expect(filled.stdout).toContain(`username=slipway\npassword=${cp.adminToken}\n`);

    const other = await git(['credential', 'fill'], `url=http://127.0.0.1:1/other-app.git\n\n`);
    expect(other.code).not.toBe(0);
    expect(other.stdout).not.toContain(cp.adminToken);
  });

  it('deploys with git push through the helper, then shows builds and releases and rolls back', async () => {
    await writeFile(join(repo, 'worker.js'), 'setInterval(() => {}, 1000)\n');
    expect((await git(['add', '.'])).code).toBe(0);
    expect((await git(['commit', '-qm', 'one'])).code).toBe(0);
    const first = await git(['push', 'slipway', 'main']);
    expect(first.stderr).toContain('remote: -----> Released v1');
    expect(first.code).toBe(0);

    await writeFile(join(repo, 'worker.js'), 'setInterval(() => {}, 2000)\n');
    await git(['commit', '-qam', 'two']);
    const second = await git(['push', 'slipway', 'main']);
    expect(second.stderr).toContain('remote: -----> Released v2');

    // no -a: the app comes from the `slipway` remote of the working directory
    const builds = ok(await slipway(['builds'])).trimEnd().split('\n');
    expect(builds).toHaveLength(4);
    expect(builds.slice(2).every((row) => /\bsucceeded\b.*\bfake\b/.test(row))).toBe(true);

    const releases = ok(await slipway(['releases'])).trimEnd().split('\n');
    expect(releases[2]).toMatch(/^v2 \(current\)\s+succeeded\s+.*Deploy [0-9a-f]{8}$/);
    expect(releases[3]).toMatch(/^v1\s+succeeded\s+.*Deploy [0-9a-f]{8}$/);

    expect(ok(await slipway(['releases:rollback']))).toBe('Rolled back proc-app to v1: now at v3\n');
    const info = ok(await slipway(['releases:info', 'v3']));
    expect(info).toMatch(/Description: +Rollback to v1/);
    expect(info).toContain(`apps/proc-app@sha256:${'1'.repeat(64)}`);
  });

  it('scales a process type the release declares and refuses one it does not', async () => {
    expect(ok(await slipway(['ps:scale', 'worker=0:standard']))).toBe('Scaled proc-app: now running worker at 0:standard\n');
    const formation = JSON.parse(ok(await slipway(['ps:scale', '--json'])));
    expect(formation).toEqual([expect.objectContaining({ type: 'worker', quantity: 0, size: 'standard', command: 'node worker.js' })]);
    const web = await slipway(['ps:scale', 'web=1']);
    expect(web).toEqual({
      code: 1,
      stdout: '',
      stderr: "Error: Couldn't find that process type (web): the current release does not declare it.\n",
    });
  });
});
