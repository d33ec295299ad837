// Stacks through the Platform API on a real control plane (Redis, NATS, git pushes), with a
// builder that records the stack it is asked for: GET /stacks, the operator's default for new
// apps, PATCH build_stack with Heroku's semantics (the current release keeps its stack until
// the next build), releases and builds recording their stack, and 422s naming the stacks.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, startTestControlPlane, type TestControlPlane } from '../test/support/control-plane.js';
import type { BuildInput, Builder } from './builds/builder.js';
import { stackId } from './stacks.js';

const exec = promisify(execFile);

class StackRecordingBuilder implements Builder {
  ready = true;
  asked: string[] = [];
  async prepare() {}
  async build(input: BuildInput) {
    input.source.resume();
    this.asked.push(input.stack);
    return { image: { repository: `apps/${input.appName}`, digest: `sha256:${String(this.asked.length).repeat(64)}` }, processTypes: {}, buildpack: 'fake', stack: input.stack };
  }
  async tagImage() {}
}

const ref = (name: string) => ({ id: stackId(name), name });

describe('stacks through the API (operator default: trixie)', () => {
  let cp: TestControlPlane;
  let work: string;
  let call: ReturnType<typeof apiClient>;
  const builder = new StackRecordingBuilder();

  const push = async (app: string) => {
    const url = new URL(`${cp.url}/${app}.git`);
    url.username = 'anyone';
    url.password = cp.adminToken;
    await writeFile(join(work, 'index.js'), `console.log(${Date.now()})\n`);
    await exec('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '-qam', 'change'], { cwd: work });
    const { stdout, stderr } = await exec('git', ['push', '-f', url.toString(), 'main'], { cwd: work, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
    return stdout + stderr;
  };

  beforeAll(async () => {
    cp = await startTestControlPlane({ SLIPWAY_DEFAULT_STACK: 'trixie' }, { builder });
    call = apiClient(cp.url, cp.adminToken);
    work = await mkdtemp(join(tmpdir(), 'slipway-stacks-'));
    await writeFile(join(work, 'index.js'), 'console.log(1)\n');
    for (const args of [['init', '-q', '-b', 'main'], ['add', '.'], ['-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '-qm', 'one']]) {
      await exec('git', args, { cwd: work });
    }
  });
  afterAll(async () => {
    await cp?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("lists the stacks in Heroku's shape, the operator's default marked", async () => {
    const stacks = await call('GET', '/stacks');
    expect(stacks.status).toBe(200);
    expect(stacks.body).toEqual([
      { ...ref('bookworm'), state: 'active', default: false },
      { ...ref('trixie'), state: 'active', default: true },
    ]);
    expect((await call('GET', `/stacks/${stackId('bookworm')}`)).body).toEqual({ ...ref('bookworm'), state: 'active', default: false });
    expect((await call('GET', '/stacks/trixie')).body.name).toBe('trixie');
    expect((await call('GET', '/stacks/potato')).status).toBe(404);
  });

  it("gives a new app the operator's default stack, or the one it asks for", async () => {
    const created = await call('POST', '/apps', { name: 'on-default' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ stack: ref('trixie'), build_stack: ref('trixie') });
    const chosen = await call('POST', '/apps', { name: 'on-bookworm', stack: 'bookworm' });
    expect(chosen.body).toMatchObject({ stack: ref('bookworm'), build_stack: ref('bookworm') });
    const bad = await call('POST', '/apps', { name: 'on-nothing', stack: 'heroku-24' });
    expect(bad.status).toBe(422);
    expect(bad.body).toEqual({ id: 'invalid_params', message: 'Stack "heroku-24" does not exist. Stacks: bookworm, trixie.' });
    expect((await call('GET', '/apps/on-nothing')).status).toBe(404);
  });

  it('changes the build stack for the next build only; the release built then carries it and makes it the app stack', async () => {
    expect(await push('on-bookworm')).toContain('Released v1');
    expect(builder.asked.at(-1)).toBe('bookworm');

    const set = await call('PATCH', '/apps/on-bookworm', { build_stack: 'trixie' });
    expect(set.status).toBe(200);
    // Heroku: the current release keeps running on its stack until the next build
    expect(set.body).toMatchObject({ stack: ref('bookworm'), build_stack: ref('trixie') });
    expect((await call('GET', '/apps/on-bookworm')).body).toMatchObject({ stack: ref('bookworm'), build_stack: ref('trixie') });

    expect(await push('on-bookworm')).toContain('Released v2');
    expect(builder.asked.at(-1)).toBe('trixie');
    expect((await call('GET', '/apps/on-bookworm')).body).toMatchObject({ stack: ref('trixie'), build_stack: ref('trixie') });
    const releases = (await call('GET', '/apps/on-bookworm/releases')).body as { version: number; stack: unknown }[];
    expect(releases.map((r) => [r.version, r.stack])).toEqual([
      [1, ref('bookworm')],
      [2, ref('trixie')],
    ]);
    const builds = (await call('GET', '/apps/on-bookworm/builds')).body as { stack: string }[];
    expect(builds.map((b) => b.stack).sort()).toEqual(['bookworm', 'trixie']);

    // a config change copies the current release's stack
    expect((await call('PATCH', '/apps/on-bookworm/config-vars', { A: '1' })).status).toBe(200);
    expect((await call('GET', '/apps/on-bookworm/releases/3')).body.stack).toEqual(ref('trixie'));
    // a rollback runs the old code on its old stack: the app's stack follows, its build stack stays
    expect((await call('POST', '/apps/on-bookworm/releases', { release: 1 })).status).toBe(201);
    expect((await call('GET', '/apps/on-bookworm/releases/4')).body.stack).toEqual(ref('bookworm'));
    expect((await call('GET', '/apps/on-bookworm')).body).toMatchObject({ stack: ref('bookworm'), build_stack: ref('trixie') });
  });

  it("takes the stack by name, id or Heroku's object, and refuses anything else with a 422", async () => {
    expect((await call('PATCH', '/apps/on-default', { build_stack: stackId('bookworm') })).body.build_stack).toEqual(ref('bookworm'));
    expect((await call('PATCH', '/apps/on-default', { build_stack: { name: 'trixie' } })).body.build_stack).toEqual(ref('trixie'));
    expect((await call('PATCH', '/apps/on-default', { build_stack: { id: stackId('bookworm') } })).body.build_stack).toEqual(ref('bookworm'));

    const unknown = await call('PATCH', '/apps/on-default', { build_stack: 'cedar-14' });
    expect(unknown.status).toBe(422);
    expect(unknown.body).toEqual({ id: 'invalid_params', message: 'Stack "cedar-14" does not exist. Stacks: bookworm, trixie.' });
    expect((await call('PATCH', '/apps/on-default', {})).status).toBe(422);
    expect((await call('PATCH', '/apps/on-default', { build_stack: 'trixie', region: 'eu' })).status).toBe(422);
    expect((await call('PATCH', '/apps/on-default', { build_stack: 'trixie', name: 'Not A Name' })).status).toBe(422);
    // nothing changed by the refused requests
    expect((await call('GET', '/apps/on-default')).body.build_stack).toEqual(ref('bookworm'));
  });
});
