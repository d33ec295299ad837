// The Platform API over real Redis and NATS: shapes, auth, tenancy and bad input.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedKeys } from '../common/protocol.js';
import { apiClient, NO_BUILDS, startTestControlPlane, type TestControlPlane } from '../test/support/control-plane.js';

describe('Platform API', () => {
  let cp: TestControlPlane;
  let admin: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    cp = await startTestControlPlane({ SLIPWAY_MAX_BODY_BYTES: '2048' }, { builder: NO_BUILDS });
    admin = apiClient(cp.url, cp.adminToken);
  });
  afterAll(async () => {
    await cp?.stop();
  });

  const expectError = (res: { status: number; body: any }, status: number, id: string, message?: RegExp) => {
    expect(res.status).toBe(status);
    expect(Object.keys(res.body).sort()).toEqual(['id', 'message']);
    expect(res.body.id).toBe(id);
    if (message) expect(res.body.message).toMatch(message);
  };

  it('creates an app and shows it in Heroku shape', async () => {
    const created = await admin('POST', '/apps', { name: 'hello' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'hello',
      owner: { email: 'admin@slipway.local' },
      stack: { name: 'bookworm' },
      git_url: `${cp.url}/hello.git`,
      web_url: 'http://hello.localhost/',
    });
    const shown = await admin('GET', '/apps/hello');
    expect(shown.body.id).toBe(created.body.id);
    expect((await admin('GET', `/apps/${created.body.id}`)).body.name).toBe('hello');
    expect((await admin('GET', '/apps')).body.map((a: { name: string }) => a.name)).toContain('hello');
  });

  it('rejects invalid and duplicate names with the reason', async () => {
    expectError(await admin('POST', '/apps', { name: 'Hello_World' }), 422, 'invalid_params', /lowercase/);
    expectError(await admin('POST', '/apps', { name: 'ab' }), 422, 'invalid_params', /between 3 and 30/);
    expectError(await admin('POST', '/apps', {}), 422, 'invalid_params', /name/);
    await admin('POST', '/apps', { name: 'taken' });
    expectError(await admin('POST', '/apps', { name: 'taken' }), 409, 'conflict', /already taken/);
  });

  it('requires a valid token', async () => {
    const anonymous = apiClient(cp.url, null);
    expectError(await anonymous('GET', '/apps'), 401, 'unauthorized');
    const wrong = apiClient(cp.url, cp.adminToken.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a')));
    expectError(await wrong('GET', '/apps'), 401, 'unauthorized');
    expectError(await apiClient(cp.url, 'not-a-token')('GET', '/apps'), 401, 'unauthorized');
  });

  it('answers bad bodies with one JSON error shape', async () => {
    expectError(await admin('POST', '/apps', '{"name": '), 400, 'bad_request', /JSON/);
    expectError(await admin('POST', '/apps', { name: 'x'.repeat(5000) }), 413, 'payload_too_large');
    expectError(await admin('POST', '/apps', 'name=hello', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'unsupported_media_type');
    expectError(await admin('GET', '/apps/nope'), 404, 'not_found', /nope/);
    expectError(await admin('GET', '/no/such/route'), 404, 'not_found');
    expectError(await admin('GET', '/apps', undefined, { accept: 'application/vnd.heroku+json; version=2' }), 406, 'not_acceptable');
  });

  it('keeps tenants apart', async () => {
    const created = await admin('POST', '/users', { email: 'alice@example.com' });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^slw_/);
    const alice = apiClient(cp.url, created.body.token);
    expect((await alice('POST', '/apps', { name: 'alices-app' })).status).toBe(201);
    expect((await alice('GET', '/apps')).body.map((a: { name: string }) => a.name)).toEqual(['alices-app']);
    expectError(await alice('GET', '/apps/hello'), 403, 'forbidden', /access/);
    expectError(await alice('PATCH', '/apps/hello/config-vars', { A: 'b' }), 403, 'forbidden');
    expectError(await alice('GET', '/hosts'), 403, 'forbidden', /operators/);
    expectError(await alice('POST', '/users', { email: 'mallory@example.com' }), 403, 'forbidden');
    // the operator sees every app
    expect((await admin('GET', '/apps/alices-app')).status).toBe(200);
  });

  it('revokes tokens', async () => {
    const issued = await admin('POST', '/account/tokens', { description: 'ci' });
    const ci = apiClient(cp.url, issued.body.token);
    expect((await ci('GET', '/account')).status).toBe(200);
    expect((await admin('DELETE', `/account/tokens/${issued.body.id}`)).status).toBe(200);
    expectError(await ci('GET', '/account'), 401, 'unauthorized');
  });

  it('sets and unsets config vars, each change a new release, and never shows them elsewhere', async () => {
    await admin('POST', '/apps', { name: 'configured' });
    const set = await admin('PATCH', '/apps/configured/config-vars', { SECRET_KEY: 's3cr3t', OTHER: 'x' });
    expect(set.body).toEqual({ SECRET_KEY: 's3cr3t', OTHER: 'x' });
    const unset = await admin('PATCH', '/apps/configured/config-vars', { OTHER: null });
    expect(unset.body).toEqual({ SECRET_KEY: 's3cr3t' });
    const releases = await admin('GET', '/apps/configured/releases');
    expect(releases.body.map((r: { version: number; description: string }) => [r.version, r.description])).toEqual([
      [1, 'Set SECRET_KEY, OTHER config vars'],
      [2, 'Remove OTHER config vars'],
    ]);
    expect(JSON.stringify(releases.body)).not.toContain('s3cr3t');
    expectError(await admin('PATCH', '/apps/configured/config-vars', { 'BAD-NAME': 'x' }), 422, 'invalid_params');
  });

  it('refuses to scale a process type the app does not have', async () => {
    expectError(
      await admin('PATCH', '/apps/configured/formation', { updates: [{ type: 'web', quantity: 2 }] }),
      422,
      'invalid_params',
      /process type/,
    );
    expectError(await admin('PATCH', '/apps/configured/formation', { updates: [{ type: 'web', quantity: -1 }] }), 422, 'invalid_params');
  });

  it('adds custom domains and refuses platform or malformed ones', async () => {
    const added = await admin('POST', '/apps/hello/domains', { hostname: 'www.example.com' });
    expect(added.status).toBe(201);
    expect((await admin('GET', '/apps/hello/domains')).body.map((d: { hostname: string }) => d.hostname)).toEqual([
      'hello.localhost',
      'www.example.com',
    ]);
    expectError(await admin('POST', '/apps/taken/domains', { hostname: 'www.example.com' }), 409, 'conflict');
    expectError(await admin('POST', '/apps/hello/domains', { hostname: 'x.localhost' }), 422, 'invalid_params');
    expectError(await admin('POST', '/apps/hello/domains', { hostname: 'no_underscores.example.com' }), 422, 'invalid_params');
  });

  it('refuses IP addresses as custom domains, however they are written', async () => {
    // Browsers and HTTP clients read each of these as an address: an app holding one would catch requests to the router's own IP.
    for (const hostname of ['203.0.113.9', '203.0.113.9.', '127.1', '0x7f.0.0.1', '2001:db8::1', '[2001:db8::1]', '::ffff:203.0.113.9', '[::1]']) {
      expectError(await admin('POST', '/apps/hello/domains', { hostname }), 422, 'invalid_params', /is an IP address.*domain name/);
    }
    const hostnames = (await admin('GET', '/apps/hello/domains')).body.map((d: { hostname: string }) => d.hostname);
    expect(hostnames).toEqual(['hello.localhost', 'www.example.com']);
    expect((await admin('POST', '/apps/hello/domains', { hostname: '203.0.113.9.example.com' })).status).toBe(201);
  });

  it('deletes an app and frees its name', async () => {
    await admin('POST', '/apps', { name: 'short-lived' });
    expect((await admin('DELETE', '/apps/short-lived')).status).toBe(200);
    expectError(await admin('GET', '/apps/short-lived'), 404, 'not_found');
    expect((await admin('POST', '/apps', { name: 'short-lived' })).status).toBe(201);
  });
});

describe('the API through the routers', () => {
  it('publishes its own route when it has a hostname, and reserves the name', async () => {
    const cp = await startTestControlPlane(
      { SLIPWAY_API_HOSTNAME: 'api.apps.example.com', SLIPWAY_HOST_ADDRESS: '127.0.0.1' },
      { builder: NO_BUILDS },
    );
    try {
      const redis = new Redis(cp.redis.url);
      const route = JSON.parse((await redis.hget(sharedKeys.routes, 'api'))!);
      redis.disconnect();
      expect(route).toEqual({
        appName: 'api',
        hostnames: ['api.apps.example.com'],
        backends: [{ instanceId: 'control-plane', address: '127.0.0.1', port: Number(new URL(cp.url).port) }],
      });
      const taken = await apiClient(cp.url, cp.adminToken)('POST', '/apps', { name: 'api' });
      expect(taken.status).toBe(422);
      expect(taken.body.message).toMatch(/reserved/);
    } finally {
      await cp.stop();
    }
  });
});
