// `git push` through the real git binaries against a control plane on real Redis and NATS;
// the builder is a fake that reads the pushed tar (real builds are tested in buildpacks/ and e2e).
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { extract } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';
import { BuildFailedError, type BuildInput, type Builder } from '../builds/builder.js';

const exec = promisify(execFile);

async function filesIn(tar: NodeJS.ReadableStream): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const ex = extract();
  ex.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => {
      chunks.push(c as Buffer);
    });
    stream.on('end', () => {
      if (header.type === 'file') files[header.name] = Buffer.concat(chunks).toString();
      next();
    });
  });
  await new Promise<void>((resolve, reject) => {
    ex.on('finish', resolve);
    ex.on('error', reject);
    tar.pipe(ex);
  });
  return files;
}

class FakeBuilder implements Builder {
  ready = true;
  async prepare() {}
  received: Record<string, string>[] = [];
  async build(input: BuildInput) {
    const files = await filesIn(input.source);
    this.received.push(files);
    input.log('-----> Fake buildpack');
    if (files['fail.txt']) throw new BuildFailedError(`build failed: ${files['fail.txt'].trim()}`);
    return {
      image: { repository: `apps/${input.appName}`, digest: `sha256:${'1'.repeat(64)}` },
      processTypes: {},
      buildpack: 'fake',
      stack: 'bookworm',
    };
  }
  async tagImage() {}
}

describe('git push', () => {
  let cp: TestControlPlane;
  let work: string;
  const builder = new FakeBuilder();

  const git = (args: string[], cwd = work) =>
    exec('git', args, { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '/bin/false' } }).then(
      (r) => ({ code: 0, out: r.stdout + r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
    );
  const remote = (app: string, token: string | null) => {
    const url = new URL(`${cp.url}/${app}.git`);
    if (token) {
      url.username = 'anyone';
      url.password = token;
    }
    return url.toString();
  };

  beforeAll(async () => {
    cp = await startTestControlPlane({}, { builder });
    await apiClient(cp.url, cp.adminToken)('POST', '/apps', { name: 'pushed' });
    work = await mkdtemp(join(tmpdir(), 'slipway-git-'));
    await git(['init', '-q', '-b', 'main']);
    await git(['config', 'user.email', 't@example.com']);
    await git(['config', 'user.name', 'T']);
    await writeFile(join(work, 'index.js'), 'console.log(1)\n');
    await git(['add', '.']);
    await git(['commit', '-qm', 'one']);
  });
  afterAll(async () => {
    await cp?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('pushes, streams the build output and records a release', async () => {
    const result = await git(['push', remote('pushed', cp.adminToken), 'main']);
    expect(result.out).toContain('remote: -----> Fake buildpack');
    expect(result.out).toContain('remote: -----> Released v1');
    expect(result.code).toBe(0);
    expect(builder.received.at(-1)).toEqual({ 'index.js': 'console.log(1)\n' });
    const releases = await apiClient(cp.url, cp.adminToken)('GET', '/apps/pushed/releases');
    expect(releases.body.map((r: { version: number }) => r.version)).toEqual([1]);
  });

  it('fails the push with the reason when the build fails, creating no release', async () => {
    await writeFile(join(work, 'fail.txt'), 'missing dependency left-pad\n');
    await git(['add', '.']);
    await git(['commit', '-qm', 'break']);
    const result = await git(['push', remote('pushed', cp.adminToken), 'main']);
    expect(result.code).not.toBe(0);
    expect(result.out).toContain('remote:  !     build failed: missing dependency left-pad');
    expect(result.out).toContain('pre-receive hook declined');
    const releases = await apiClient(cp.url, cp.adminToken)('GET', '/apps/pushed/releases');
    expect(releases.body.map((r: { version: number }) => r.version)).toEqual([1]);
    const builds = await apiClient(cp.url, cp.adminToken)('GET', '/apps/pushed/builds');
    expect(builds.body.map((b: { status: string }) => b.status)).toEqual(['succeeded', 'failed']);
    // the rejected commit did not land
    const { out } = await git(['ls-remote', remote('pushed', cp.adminToken), 'refs/heads/main']);
    expect(out).not.toContain((await git(['rev-parse', 'HEAD'])).out.trim());
  });

  it('deploys a commit the repository already has (a force-push back to it: no objects in quarantine)', async () => {
    const first = (await git(['rev-list', '--max-parents=0', 'HEAD'])).out.trim();
    await rm(join(work, 'fail.txt'));
    await writeFile(join(work, 'index.js'), 'console.log(2)\n');
    await git(['add', '-A']);
    await git(['commit', '-qm', 'two']);
    expect((await git(['push', remote('pushed', cp.adminToken), 'main'])).code).toBe(0);
    expect(builder.received.at(-1)).toEqual({ 'index.js': 'console.log(2)\n' });
    const back = await git(['push', '--force', remote('pushed', cp.adminToken), `${first}:refs/heads/main`]);
    expect(back.out).toContain('remote: -----> Released v3');
    expect(back.code).toBe(0);
    expect(builder.received.at(-1)).toEqual({ 'index.js': 'console.log(1)\n' });
  });

  it('reports an unknown app', async () => {
    const result = await git(['push', remote('nope', cp.adminToken), 'main']);
    expect(result.code).not.toBe(0);
    expect(result.out).toContain('app not found');
  });

  it('reports wrong or missing credentials as an authentication failure', async () => {
    const wrong = await git(['push', remote('pushed', 'slw_0000000000000000_' + 'x'.repeat(43)), 'main']);
    expect(wrong.code).not.toBe(0);
    expect(wrong.out).toMatch(/Authentication failed/);
    const missing = await git(['push', remote('pushed', null), 'main']);
    expect(missing.code).not.toBe(0);
    expect(missing.out).toMatch(/Authentication failed|could not read Username/);
  });

  it('refuses branches other than main', async () => {
    const result = await git(['push', remote('pushed', cp.adminToken), 'main:feature']);
    expect(result.code).not.toBe(0);
    expect(result.out).toContain('only main (or master) deploys');
  });
});
