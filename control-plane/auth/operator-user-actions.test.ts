// Operators disable and enable accounts and revoke other users' tokens, through the real API
// and real git (control plane on real Redis and NATS; the builder is a fake that reads the tar).
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger.js';
import { apiClient, startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';
import { waitFor } from '../../test/support/wait.js';
import type { Builder } from '../builds/builder.js';
import { loadControlPlaneConfig } from '../config.js';
import { startControlPlane } from '../platform.js';

const exec = promisify(execFile);

const fakeBuilder: Builder = {
  ready: true,
  prepare: async () => {},
  build: async (input) => {
    input.source.resume();
    await new Promise((resolve) => input.source.on('end', resolve));
    input.log('-----> Fake buildpack');
    return { image: { repository: `apps/${input.appName}`, digest: `sha256:${'1'.repeat(64)}` }, processTypes: {}, buildpack: 'fake', stack: 'bookworm' };
  },
  tagImage: async () => {},
};

describe('operator actions on users', () => {
  let cp: TestControlPlane;
  let work: string;
  let admin: ReturnType<typeof apiClient>;
  let aliceId: string;
  let aliceFirst: string;
  let aliceSecond: string;
  let bobToken: string;
  let stopOther = async () => {};

  const git = (args: string[]) =>
    exec('git', args, { cwd: work, env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '/bin/false' } }).then(
      (r) => ({ code: 0, out: r.stdout + r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
    );
  const push = (token: string) => {
    const url = new URL(`${cp.url}/alices-app.git`);
    url.username = 'alice';
    url.password = token;
    return git(['push', '--force', url.toString(), 'main']);
  };
  const commit = async (text: string) => {
    await writeFile(join(work, 'index.js'), `${text}\n`);
    await git(['add', '.']);
    await git(['commit', '-qm', text]);
  };
  const expectError = (res: { status: number; body: any }, status: number, id: string, message?: RegExp) => {
    expect({ status: res.status, keys: Object.keys(res.body).sort(), id: res.body.id }).toEqual({ status, keys: ['id', 'message'], id });
    if (message) expect(res.body.message).toMatch(message);
  };

  /** `GET /apps/<app>/logs?tail=true` held open; `ended` turns true when the API ends it. */
  const openTailOf = (app: string, token: string, apiUrl = cp.url) =>
    new Promise<{ status: number; ended: () => boolean }>((resolve, reject) => {
      let ended = false;
      const req = request(`${apiUrl}/apps/${app}/logs?tail=true&lines=1`, { headers: { authorization: `Bearer ${token}` } }, (res) => {
        res.resume();
        res.on('end', () => (ended = true));
        res.on('error', () => (ended = true));
        resolve({ status: res.statusCode ?? 0, ended: () => ended });
      });
      req.on('error', reject);
      req.end();
    });

  beforeAll(async () => {
    cp = await startTestControlPlane({}, { builder: fakeBuilder });
    admin = apiClient(cp.url, cp.adminToken);
    const alice = await admin('POST', '/users', { email: 'alice@example.com' });
    aliceId = alice.body.id;
    aliceFirst = alice.body.token;
    aliceSecond = (await apiClient(cp.url, aliceFirst)('POST', '/account/tokens', { description: 'laptop' })).body.token;
    bobToken = (await admin('POST', '/users', { email: 'bob@example.com' })).body.token;
    expect((await apiClient(cp.url, aliceFirst)('POST', '/apps', { name: 'alices-app' })).status).toBe(201);
    work = await mkdtemp(join(tmpdir(), 'slipway-disable-'));
    await git(['init', '-q', '-b', 'main']);
    await git(['config', 'user.email', 'a@example.com']);
    await git(['config', 'user.name', 'A']);
  });
  afterAll(async () => {
    await stopOther();
    await cp?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('keeps the actions for operators: 403 for other users', async () => {
    const bob = apiClient(cp.url, bobToken);
    expectError(await bob('PATCH', '/users/alice@example.com', { disabled: true }), 403, 'forbidden', /operators only/);
    expectError(await bob('GET', '/users/alice@example.com/tokens'), 403, 'forbidden', /operators only/);
    expectError(await bob('DELETE', '/users/alice@example.com/tokens'), 403, 'forbidden', /operators only/);
    expect((await apiClient(cp.url, aliceFirst)('GET', '/account')).status).toBe(200);
    expect((await admin('GET', '/users/alice@example.com/tokens')).body).toHaveLength(2);
  });

  it('disables an account: every token of it is refused at once, git push included; enabling restores them', async () => {
    await commit('one');
    const before = await push(aliceSecond);
    expect(before.out).toContain('remote: -----> Released v1');

    const disabled = await admin('PATCH', '/users/alice@example.com', { disabled: true });
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ id: aliceId, email: 'alice@example.com', admin: false });
    expect(Date.parse(disabled.body.disabled_at)).not.toBeNaN();
    expect((await admin('GET', `/users/${aliceId}`)).body.disabled_at).toBe(disabled.body.disabled_at);

    for (const token of [aliceFirst, aliceSecond]) {
      const alice = apiClient(cp.url, token);
      expectError(await alice('GET', '/account'), 403, 'account_disabled', /alice@example\.com is disabled.*Ask an operator/);
      expectError(await alice('GET', '/apps/alices-app'), 403, 'account_disabled');
      expectError(await alice('POST', '/account/tokens', {}), 403, 'account_disabled');
    }
    await commit('two');
    const refused = await push(aliceSecond);
    expect(refused.code).not.toBe(0);
    expect(refused.out).toContain('remote: The account alice@example.com is disabled');
    expect((await admin('GET', '/apps/alices-app/releases')).body.map((r: { version: number }) => r.version)).toEqual([1]);

    const enabled = await admin('PATCH', '/users/alice@example.com', { disabled: false });
    expect(enabled.body.disabled_at).toBeNull();
    expect((await apiClient(cp.url, aliceFirst)('GET', '/account')).body.disabled_at).toBeNull();
    const after = await push(aliceSecond);
    expect(after.out).toContain('remote: -----> Released v2');
  });

  it("revokes another user's tokens, one or all: they answer 401 at once, git included", async () => {
    const tokens = (await admin('GET', `/users/${aliceId}/tokens`)).body as { id: string; description: string }[];
    const laptop = tokens.find((t) => t.description === 'laptop')!;
    expect((await admin('DELETE', `/users/alice@example.com/tokens/${laptop.id}`)).body).toEqual({ id: laptop.id });
    expectError(await apiClient(cp.url, aliceSecond)('GET', '/account'), 401, 'unauthorized');
    expect((await apiClient(cp.url, aliceFirst)('GET', '/account')).status).toBe(200);
    expectError(await admin('DELETE', `/users/alice@example.com/tokens/${laptop.id}`), 404, 'not_found');

    const third = (await apiClient(cp.url, aliceFirst)('POST', '/account/tokens', { description: 'ci' })).body.token as string;
    const revoked = await admin('DELETE', '/users/alice@example.com/tokens');
    expect(revoked.body.map((t: { description: string }) => t.description).sort()).toEqual(['ci', 'first token']);
    for (const token of [aliceFirst, third]) expectError(await apiClient(cp.url, token)('GET', '/account'), 401, 'unauthorized');
    await commit('three');
    const refused = await push(third);
    expect(refused.code).not.toBe(0);
    expect(refused.out).toMatch(/Authentication failed/);
    expect((await admin('GET', '/users/alice@example.com/tokens')).body).toEqual([]);
    // bob and the operator are untouched
    expect((await apiClient(cp.url, bobToken)('GET', '/account')).status).toBe(200);
  });

  it('ends log tails opened with a token as soon as it is revoked or its account disabled, on every control plane', async () => {
    const alice = (await admin('POST', '/users', { email: 'alice2@example.com' })).body;
    const first = alice.token as string;
    const second = (await apiClient(cp.url, first)('POST', '/account/tokens', { description: 'ci' })).body;
    expect((await apiClient(cp.url, first)('POST', '/apps', { name: 'alice2-app' })).status).toBe(201);
    // a second control plane on the same Redis and NATS holds one of the tails
    const otherHome = await mkdtemp(join(tmpdir(), 'slipway-test-cp2-'));
    const other = await startControlPlane(
      loadControlPlaneConfig({
        SLIPWAY_HOME: otherHome,
        SLIPWAY_API_PORT: '0',
        SLIPWAY_REDIS_URL: cp.redis.url,
        SLIPWAY_NATS_URL: cp.nats.url,
        SLIPWAY_REGISTRY: '127.0.0.1:1',
        SLIPWAY_LOCAL_HOSTS: '0',
      }),
      silentLogger(),
      { builder: fakeBuilder },
    );
    stopOther = async () => {
      await other.stop();
      await rm(otherHome, { recursive: true, force: true });
    };
    const [byFirst, bySecond, byOperator] = await Promise.all([
      openTailOf('alice2-app', first, other.url),
      openTailOf('alice2-app', second.token),
      openTailOf('alice2-app', cp.adminToken),
    ]);
    expect([byFirst.status, bySecond.status, byOperator.status]).toEqual([200, 200, 200]);
    expect([byFirst.ended(), bySecond.ended()]).toEqual([false, false]);

    await admin('DELETE', `/users/alice2@example.com/tokens/${second.id}`);
    await waitFor('the revoked token’s tail to end', () => bySecond.ended(), 5_000);
    expect(byFirst.ended()).toBe(false);

    await admin('PATCH', '/users/alice2@example.com', { disabled: true });
    await waitFor('the disabled account’s tail (on the other control plane) to end', () => byFirst.ended(), 5_000);
    expect(byOperator.ended()).toBe(false);
    await admin('PATCH', '/users/alice2@example.com', { disabled: false });
  });

  it('refuses an operator disabling their own account, unknown users and bad bodies', async () => {
    expectError(await admin('PATCH', '/users/admin@slipway.local', { disabled: true }), 422, 'invalid_params', /your own account/);
    expect((await admin('GET', '/account')).status).toBe(200);
    expectError(await admin('PATCH', '/users/nobody@example.com', { disabled: true }), 404, 'not_found', /nobody@example\.com/);
    expectError(await admin('DELETE', '/users/nobody@example.com/tokens'), 404, 'not_found');
    expectError(await admin('PATCH', '/users/bob@example.com', { disabled: 'yes' }), 422, 'invalid_params', /disabled/);
    expectError(await admin('PATCH', '/users/bob@example.com', { admin: true, disabled: false }), 422, 'invalid_params');
  });
});
