// The push size limit, through the real git binaries against a control plane on real Redis and
// NATS (fake builder): a push past it is refused with the numbers, stores nothing (no objects,
// no ref, no build, no release) and the previous release stays current; a push under it deploys.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { apiClient, startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';
import type { BuildInput, Builder } from '../builds/builder.js';

const exec = promisify(execFile);
const LIMIT = 1_000_000;

const builder: Builder & { builds: number } = {
  ready: true,
  builds: 0,
  prepare: async () => {},
  async build(input: BuildInput) {
    input.source.resume();
    await new Promise((resolve) => input.source.once('end', resolve));
    this.builds++;
    return { image: { repository: `apps/${input.appName}`, digest: `sha256:${String(this.builds).repeat(64)}` }, processTypes: {}, buildpack: 'fake', stack: 'bookworm' };
  },
  tagImage: async () => {},
};

let cp: TestControlPlane;
let work: string;
const git = (args: string[]) =>
  exec('git', args, { cwd: work, env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '/bin/false' }, maxBuffer: 16 * 1024 * 1024 }).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
  );
const remote = () => {
  const url = new URL(`${cp.url}/sized.git`);
  url.username = 'anyone';
  url.password = cp.adminToken;
  return url.toString();
};
/** Every object file and pack in the app's repository. */
async function storedObjects(): Promise<string[]> {
  const root = join(cp.home, 'git', 'sized.git', 'objects');
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

beforeAll(async () => {
  cp = await startTestControlPlane({ SLIPWAY_MAX_PUSH_BYTES: String(LIMIT) }, { builder });
  await apiClient(cp.url, cp.adminToken)('POST', '/apps', { name: 'sized' });
  work = await mkdtemp(join(tmpdir(), 'slipway-git-limit-'));
  for (const args of [['init', '-q', '-b', 'main'], ['config', 'user.email', 't@example.com'], ['config', 'user.name', 'T']]) await git(args);
});
afterAll(async () => {
  await cp?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

test('a push past the size limit is refused with the numbers and stores nothing; the previous release keeps serving', async () => {
  const admin = apiClient(cp.url, cp.adminToken);
  await writeFile(join(work, 'index.js'), 'console.log(1)\n');
  await git(['add', '.']);
  await git(['commit', '-qm', 'small']);
  const small = await git(['push', remote(), 'main']);
  expect(small.out).toContain('Released v1');
  expect(small.code).toBe(0);
  const objectsBefore = await storedObjects();

  // 3 MB that do not compress
  await writeFile(join(work, 'big.bin'), randomBytes(3_000_000));
  await git(['add', '.']);
  await git(['commit', '-qm', 'big']);
  const big = await git(['push', remote(), 'main']);
  console.log(`push of a 3 MB pack against a ${LIMIT}-byte limit:\n${big.out}`);
  expect(big.code).not.toBe(0);
  expect(big.out).toContain(`remote: Push refused: its pack is larger than this platform's limit of ${LIMIT} bytes (1.0 MiB)`);

  expect(await storedObjects()).toEqual(objectsBefore);
  const { out: remoteHead } = await git(['ls-remote', remote(), 'refs/heads/main']);
  expect(remoteHead).not.toContain((await git(['rev-parse', 'HEAD'])).out.trim());
  expect(builder.builds).toBe(1);
  const releases = await admin('GET', '/apps/sized/releases');
  expect(releases.body.map((r: { version: number; current: boolean }) => [r.version, r.current])).toEqual([[1, true]]);

  // under the limit again, pushes deploy
  await git(['reset', '-q', '--hard', 'HEAD~1']);
  await writeFile(join(work, 'index.js'), 'console.log(2)\n');
  await git(['commit', '-qam', 'small again']);
  const again = await git(['push', remote(), 'main']);
  expect(again.out).toContain('Released v2');
  expect(again.code).toBe(0);
});
