// What the stock Heroku CLI asks of the Platform API, request by request (its exact paths,
// Accept variants, Range and bodies), against a real control plane. test/e2e/heroku-cli.test.ts
// drives the CLI itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, NO_BUILDS, startTestControlPlane, type TestControlPlane } from '../test/support/control-plane.js';

const SDK = { accept: 'application/vnd.heroku+json; version=3.sdk' };
const image = { repository: 'apps/cli', digest: `sha256:${'a'.repeat(64)}` };

describe('the Platform API as the stock Heroku CLI calls it', () => {
  let cp: TestControlPlane;
  let admin: ReturnType<typeof apiClient>;
  let bob: ReturnType<typeof apiClient>;
  let bobId: string;

  beforeAll(async () => {
    cp = await startTestControlPlane({}, { builder: NO_BUILDS });
    admin = apiClient(cp.url, cp.adminToken);
    const created = await admin('POST', '/users', { email: 'bob@example.com' });
    bobId = created.body.id;
    bob = apiClient(cp.url, created.body.token);
    expect((await admin('POST', '/apps', { name: 'cli' })).status).toBe(201);
    expect((await bob('POST', '/apps', { name: 'bobs' })).status).toBe(201);
    // a release with code, as a build would cut it (no builder here), then a config change
    const app = (await cp.controlPlane.services.apps.getByName('cli'))!;
    await cp.controlPlane.services.releases.create(app.id, { image, processTypes: { web: 'node server.js', worker: 'node worker.js' }, config: {}, description: 'Deploy 1', buildId: null, stack: 'bookworm' });
    expect((await admin('PATCH', '/apps/cli/config-vars', { A: '1' })).status).toBe(200);
  });
  afterAll(async () => {
    await cp?.stop();
  });

  it('serves the version=3 variants and refuses other versions', async () => {
    const answer = await admin('GET', '/apps/cli', undefined, { ...SDK, 'request-id': 'cli-42' });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('request-id')).toMatch(/^cli-42,[0-9a-f-]{36}$/);
    expect((await admin('GET', '/no/such/path')).headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect((await admin('GET', '/account', undefined, { accept: 'application/vnd.heroku+json; version=3.account-quotas' })).status).toBe(200);
    const refused = await admin('GET', '/apps/cli', undefined, { accept: 'application/vnd.heroku+json; version=2' });
    expect(refused).toMatchObject({ status: 406, body: { id: 'not_acceptable' } });
  });

  it('lists the apps of ~ (owned or collaborated), and of another user for operators only', async () => {
    const mine = await admin('GET', '/users/~/apps');
    expect(mine.body.map((a: { name: string }) => a.name)).toEqual(['cli']);
    expect((await bob('GET', '/users/~/apps')).body.map((a: { name: string }) => a.name)).toEqual(['bobs']);
    expect((await admin('GET', `/users/${bobId}/apps`)).body.map((a: { name: string }) => a.name)).toEqual(['bobs']);
    expect((await admin('GET', '/users/bob@example.com/apps')).status).toBe(200);
    expect(await bob('GET', '/users/admin@slipway.local/apps')).toMatchObject({ status: 403, body: { id: 'forbidden' } });
    expect((await bob('GET', '/users/~')).body).toMatchObject({ id: bobId, email: 'bob@example.com' });
    expect((await admin('GET', '/users/nobody@example.com/apps')).status).toBe(404);
  });

  it('shows apps with the fields apps:info reads', async () => {
    const { body } = await admin('GET', '/apps/cli');
    expect(body).toMatchObject({ region: { name: 'local' }, create_status: 'complete', acm: false, space: null, repo_size: null, slug_size: null });
    expect((await admin('GET', '/regions')).body).toEqual([expect.objectContaining({ id: body.region.id, name: 'local', private_capable: false })]);
    expect((await admin('GET', '/regions/local')).status).toBe(200);
    expect((await admin('GET', '/regions/eu')).status).toBe(404);
  });

  it('answers the lists Slipway has nothing in with [] and the rest saying what is missing', async () => {
    for (const path of ['/apps/cli/addons', '/addons', '/addon-attachments', '/apps/cli/addon-attachments', '/apps/cli/log-drains', '/apps/cli/webhooks']) {
      expect(await admin('GET', path, undefined, SDK), path).toMatchObject({ status: 200, body: [] });
    }
    // the features it has: both off until enabled, then in the app's route for the routers
    expect((await admin('GET', '/apps/cli/features', undefined, SDK)).body.map((f: { name: string; enabled: boolean }) => [f.name, f.enabled])).toEqual([['http-to-https', false], ['hsts', false]]);
    expect(await admin('PATCH', '/apps/cli/features/hsts', { enabled: true })).toMatchObject({ status: 200, body: { name: 'hsts', enabled: true } });
    expect(await admin('GET', '/apps/cli/features/http-to-https')).toMatchObject({ status: 200, body: { enabled: false } });
    expect(await admin('GET', '/apps/cli/features/preboot')).toMatchObject({ status: 404, body: { message: expect.stringContaining('http-to-https, hsts') } });
    expect((await bob('PATCH', '/apps/cli/features/hsts', { enabled: false })).status).toBe(403);
    expect((await admin('PATCH', '/apps/cli/features/hsts', { enabled: false })).body.enabled).toBe(false);
    // this control plane's builder makes no add-on images (control-plane/addons/addons-api.test.ts provisions for real)
    expect(await admin('POST', '/apps/cli/addons', { plan: 'heroku-postgresql' })).toMatchObject({ status: 422, body: { id: 'addons_unavailable', message: expect.stringContaining('no add-on images') } });
    expect(await admin('POST', '/apps/cli/addons', { plan: 'heroku-mysql' })).toMatchObject({ status: 422, body: { id: 'invalid_params' } });
    expect(await admin('GET', '/apps/cli/pipeline-couplings')).toMatchObject({ status: 404, body: { message: expect.stringContaining('no pipeline') } });
    expect(await admin('GET', '/spaces/acme')).toMatchObject({ status: 404, body: { id: 'not_found', message: 'Slipway has no private spaces yet.' } });
    // tenancy holds on these too
    expect((await bob('GET', '/apps/cli/addons')).status).toBe(403);
  });

  it('lists collaborators, the owner first', async () => {
    expect((await admin('GET', '/apps/cli/collaborators')).body).toEqual([expect.objectContaining({ role: 'owner', user: expect.objectContaining({ email: 'admin@slipway.local' }) })]);
  });

  it('shows API tokens as OAuth authorizations, never their plaintext', async () => {
    const { body } = await admin('GET', '/oauth/authorizations');
    expect(body.length).toBeGreaterThan(0);
    expect(body[0]).toMatchObject({ access_token: { token: `slw_${body[0].id}_**********` }, scope: ['global'], user: { email: 'admin@slipway.local' } });
    expect((await admin('GET', `/oauth/authorizations/${body[0].id}`)).body.id).toBe(body[0].id);
    expect(JSON.stringify(body)).not.toContain(cp.adminToken);
  });

  it("makes a token for login -i's email and password (an API token), refusing another account's email", async () => {
    const basic = (email: string) => ({ authorization: `Basic ${Buffer.from(`${email}:${cp.adminToken}`).toString('base64')}` });
    const made = await apiClient(cp.url, null)('POST', '/oauth/authorizations', { scope: ['global'] }, basic('admin@slipway.local'));
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ user: { email: 'admin@slipway.local' }, access_token: { token: expect.stringMatching(/^slw_[A-Za-z0-9]{16}_[A-Za-z0-9_-]{43}$/) } });
    expect((await apiClient(cp.url, made.body.access_token.token)('GET', '/account')).body.email).toBe('admin@slipway.local');
    const other = await apiClient(cp.url, null)('POST', '/oauth/authorizations', {}, basic('bob@example.com'));
    expect(other).toMatchObject({ status: 401, body: { id: 'unauthorized', message: 'Invalid credentials provided.' } });
    expect((await apiClient(cp.url, made.body.access_token.token)('DELETE', `/oauth/authorizations/${made.body.id}`)).status).toBe(200);
    expect((await apiClient(cp.url, made.body.access_token.token)('GET', '/account')).status).toBe(401);
  });

  it('scales with quantities as Heroku takes them: numbers, strings, +N and -N, sizes in any case', async () => {
    const scale = (updates: unknown[]) => admin('PATCH', '/apps/cli/formation', { updates });
    const web = (answer: { body: { type: string; quantity: number; size: string }[] }) => answer.body.find((f) => f.type === 'web');
    expect(web(await scale([{ type: 'web', quantity: '2' }]))).toMatchObject({ quantity: 2 });
    expect(web(await scale([{ type: 'web', quantity: '+1' }]))).toMatchObject({ quantity: 3 });
    expect(web(await scale([{ type: 'web', quantity: '-5', size: 'Standard' }]))).toMatchObject({ quantity: 0, size: 'standard' });
    expect(web(await scale([{ type: 'web', quantity: 1 }]))).toMatchObject({ quantity: 1 });
    expect(await admin('PATCH', '/apps/cli/formation/web', { quantity: '+2' })).toMatchObject({ status: 200, body: { quantity: 3 } });
    expect(await scale([{ type: 'web', quantity: 'lots' }])).toMatchObject({ status: 422, body: { id: 'invalid_params' } });
    expect(await scale([{ type: 'web', quantity: '+1000' }])).toMatchObject({ status: 422, body: { message: expect.stringContaining('more than 100') } });
    expect(await admin('DELETE', '/apps/cli/formations/web', undefined, SDK)).toMatchObject({ status: 404, body: { message: expect.stringContaining('web') } });
  });

  it('pages releases by Range, newest first as heroku releases asks, with eligibility and config', async () => {
    for (let i = 2; i <= 4; i++) expect((await admin('PATCH', '/apps/cli/config-vars', { A: String(i) })).status).toBe(200);
    const first = await admin('GET', '/apps/cli/releases', undefined, { ...SDK, range: 'version ..; max=3, order=desc' });
    expect(first.status).toBe(206);
    expect(first.body.map((r: { version: number }) => r.version)).toEqual([5, 4, 3]);
    expect(first.headers.get('next-range')).toBe('version ]3..; max=3, order=desc');
    const rest = await admin('GET', '/apps/cli/releases', undefined, { ...SDK, range: first.headers.get('next-range')! });
    expect(rest).toMatchObject({ status: 200 });
    expect(rest.body.map((r: { version: number; eligible_for_rollback: boolean }) => [r.version, r.eligible_for_rollback])).toEqual([[2, true], [1, true]]);
    expect((await admin('GET', '/apps/cli/releases')).body.map((r: { version: number }) => r.version)).toEqual([1, 2, 3, 4, 5]);
    expect(await admin('GET', '/apps/cli/releases', undefined, { range: 'name ..' })).toMatchObject({ status: 416, body: { id: 'requested_range_not_satisfiable' } });
    expect((await admin('GET', '/apps/cli/releases/v3/config-vars', undefined, SDK)).body).toEqual({ A: '2' });
    expect((await admin('GET', '/apps/cli/releases/9/config-vars')).status).toBe(404);
  });

  it('hands out log sessions whose URL streams server-sent events without a token, for whoever still may read them', async () => {
    const session = await admin('POST', '/apps/cli/log-sessions', { lines: 10, tail: false, source: 'app' }, SDK);
    expect(session.status).toBe(201);
    const url = session.body.logplex_url as string;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/log-streams\/[A-Za-z0-9_-]{43}$/);
    const stream = await fetch(url, { headers: { accept: 'text/event-stream' } });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(await stream.text()).toBe('');
    expect((await fetch(`${url.slice(0, -3)}xyz`)).status).toBe(404);
    expect((await bob('POST', '/apps/cli/log-sessions', {})).status).toBe(403);
    expect(await admin('POST', '/apps/cli/log-sessions', { source: 'kernel' })).toMatchObject({ status: 422 });
    // a session of a token revoked since is gone
    const token = await admin('POST', '/account/tokens', { description: 'short-lived' });
    const carol = apiClient(cp.url, token.body.token);
    const theirs = await carol('POST', '/apps/cli/log-sessions', { lines: 5 });
    const before = await fetch(theirs.body.logplex_url);
    expect(before.status).toBe(200);
    await before.text();
    expect((await admin('DELETE', `/account/tokens/${token.body.id}`)).status).toBe(200);
    expect(await fetch(theirs.body.logplex_url).then((r) => r.json())).toMatchObject({ id: 'not_found', message: expect.stringContaining('log session') });
  });
});
