// Third-party add-ons through the real API, Redis and NATS, against a test partner (a real HTTP
// server on 127.0.0.1, test/support/test-partner.ts) that checks Basic auth and request shapes:
// registering a manifest, sync provisioning (config vars on the app, a release), a refusal, a
// timeout with its compensating deprovision, plan changes, deprovision retried after a 5xx,
// async provisioning with the partner's callback, and single sign-on verified by the partner.
// The partner exchanges each provisioning's OAuth grant over HTTP and calls back with the
// add-on's Bearer token; the grant's bad cases (reused, expired, wrong secret, another add-on's
// token, a token after deprovisioning) are refused.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessCli } from '../../cli/testing/cli-harness.js';
import { apiClient, NO_BUILDS, startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';
import { startTestPartner, type TestPartner } from '../../test/support/test-partner.js';

const ID = 'mylog';
const PASSWORD = 'partner-password-1';
const SALT = 'sso-salt-123456';
const CONFIG = { MYLOG_URL: 'https://logs.partner.example/t/abc', MYLOG_TOKEN: 'tok-abc' };
/** short, so that the test can outwait one (Heroku's is 5 minutes) */
const GRANT_SECONDS = 4;

describe('third-party add-ons through the API', () => {
  let cp: TestControlPlane;
  let partner: TestPartner;
  let admin: ReturnType<typeof apiClient>;
  let alice: ReturnType<typeof apiClient>;
  let aliceToken: string;
  const manifest = () => ({
    id: ID,
    name: 'My Log',
    api: {
      config_vars: ['MYLOG_URL', 'MYLOG_TOKEN'],
      password: PASSWORD,
      sso_salt: SALT,
      regions: ['us'],
      requires: [],
      production: { base_url: partner.baseUrl, sso_url: partner.ssoUrl },
      version: '3',
    },
    plans: [
      { name: 'test', price_cents: 0, default: true },
      { name: 'pro', price_cents: 2500 },
    ],
  });
  const config = async (app = 'shop') => (await alice('GET', `/apps/${app}/config-vars`)).body as Record<string, string>;
  const releases = async (app = 'shop') => ((await alice('GET', `/apps/${app}/releases`)).body as { version: number; description: string }[]).length;
  const addons = async (app = 'shop') => (await alice('GET', `/apps/${app}/addons`)).body as { id: string; name: string; state: string }[];
  const callsSince = (start: number) => partner.calls.slice(start);
  let clientSecret: string;
  /** Whether any value in the platform's Redis holds this text (secrets must be kept hashed). */
  const redisHolds = async (text: string): Promise<boolean> => {
    const redis = new Redis(cp.redis.url, { lazyConnect: true });
    try {
      await redis.connect();
      for (const key of await redis.keys('*')) {
        const type = await redis.type(key);
        const values = type === 'string' ? [await redis.get(key)] : type === 'hash' ? Object.values(await redis.hgetall(key)) : type === 'set' ? await redis.smembers(key) : [];
        if (key.includes(text) || values.some((value) => value?.includes(text))) return true;
      }
      return false;
    } finally {
      redis.disconnect();
    }
  };

  beforeAll(async () => {
    partner = await startTestPartner({ id: ID, password: PASSWORD, ssoSalt: SALT, config: CONFIG });
    cp = await startTestControlPlane(
      { SLIPWAY_ADDON_PARTNER_TIMEOUT_SECONDS: '1.5', SLIPWAY_ADDON_PARTNER_RETRY_SECONDS: '0.05', SLIPWAY_ADDON_PARTNER_ATTEMPTS: '3', SLIPWAY_ADDON_PARTNER_GRANT_SECONDS: String(GRANT_SECONDS) },
      { builder: NO_BUILDS },
    );
    admin = apiClient(cp.url, cp.adminToken);
    aliceToken = (await admin('POST', '/users', { email: 'alice@example.com' })).body.token;
    alice = apiClient(cp.url, aliceToken);
    for (const name of ['shop', 'shop-admin']) expect((await alice('POST', '/apps', { name })).status).toBe(201);
  });
  afterAll(async () => {
    await cp?.stop();
    await partner?.stop();
  });

  it('registers a manifest for operators only, naming a bad field in a 422, never showing the secrets', async () => {
    expect((await alice('POST', '/partner-addon-services', manifest())).status).toBe(403);
    const bad = await admin('POST', '/partner-addon-services', { ...manifest(), api: { ...manifest().api, password: 'short' } });
    expect(bad.status).toBe(422);
    expect(bad.body.id).toBe('invalid_params');
    expect(bad.body.message).toContain('api.password');
    const created = await admin('POST', '/partner-addon-services', manifest());
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: ID, config_vars: ['MYLOG_URL', 'MYLOG_TOKEN'], base_url: partner.baseUrl, oauth_token_url: `${cp.url}/oauth/token` });
    expect(JSON.stringify(created.body)).not.toContain(PASSWORD);
    expect(JSON.stringify(created.body)).not.toContain(SALT);
    // the OAuth client secret: shown this once, kept hashed
    clientSecret = created.body.client_secret;
    expect(clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await redisHolds(clientSecret)).toBe(false);
    partner.connect({ tokenUrl: created.body.oauth_token_url, clientSecret });
    expect((await admin('POST', '/partner-addon-services', manifest())).status).toBe(409);
    const listed = await admin('GET', '/partner-addon-services');
    expect(listed.body.map((s: { id: string }) => s.id)).toEqual([ID]);
    expect(listed.body[0].client_secret).toBeUndefined();
    expect((await admin('GET', `/partner-addon-services/${ID}`)).body.client_secret).toBeUndefined();
  });

  it('lists a registered service and its plans beside the built-in ones, as Heroku lists add-on services', async () => {
    const listed = (await alice('GET', '/addon-services')).body as { name: string; human_name: string }[];
    expect(listed.map((s) => s.name)).toEqual(expect.arrayContaining(['postgresql', 'redis', ID]));
    expect(listed.find((s) => s.name === ID)!.human_name).toBe('My Log');
    const one = await alice('GET', `/addon-services/${ID}`);
    expect(one.status).toBe(200);
    expect((await alice('GET', `/addon-services/${one.body.id}`)).body.name).toBe(ID);
    const plans = (await alice('GET', `/addon-services/${ID}/plans`)).body as { name: string; default: boolean; price: { cents: number }; memory_mb?: number }[];
    expect(plans.map((p) => [p.name, p.default, p.price.cents])).toEqual([[`${ID}:test`, true, 0], [`${ID}:pro`, false, 2500]]);
    expect(plans[0]!.memory_mb).toBeUndefined();
    expect((await alice('GET', `/addon-services/${ID}/plans/pro`)).body.name).toBe(`${ID}:pro`);
    expect((await alice('GET', `/addon-services/${ID}/plans/nope`)).status).toBe(404);
  });

  it('provisions synchronously: the partner’s config vars on the app in a new release, per attachment name', async () => {
    const start = partner.calls.length;
    const before = await releases();
    const created = await alice('POST', '/apps/shop/addons', { plan: `${ID}:test` });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ state: 'provisioned', addon_service: { name: ID }, plan: { name: `${ID}:test` }, config_vars: ['MYLOG_URL', 'MYLOG_TOKEN'] });
    const [call] = callsSince(start);
    expect(call).toMatchObject({ method: 'POST', path: '/heroku/resources', problem: null });
    expect(call!.body).toMatchObject({ uuid: created.body.id, name: created.body.name, plan: 'test', region: 'us', callback_url: `${cp.url}/addons/${created.body.id}`, oauth_grant: { type: 'authorization_code' } });
    // Heroku's grant: good for a few minutes (here GRANT_SECONDS), exchanged by the partner over HTTP for 8-hour tokens
    const expiresIn = Date.parse(call!.body.oauth_grant.expires_at) - Date.now();
    expect(expiresIn).toBeGreaterThan(0);
    expect(expiresIn).toBeLessThanOrEqual(GRANT_SECONDS * 1000);
    const tokens = partner.tokens.get(created.body.id)!;
    expect(tokens).toMatchObject({ expiresIn: 8 * 3600 });
    for (const secret of [call!.body.oauth_grant.code, tokens.accessToken, tokens.refreshToken]) expect(await redisHolds(secret)).toBe(false);
    expect(await config()).toMatchObject(CONFIG);
    expect(await releases()).toBe(before + 1);

    // shared with another app of the owner: the same config under that attachment's names
    const shared = await alice('POST', '/addon-attachments', { addon: created.body.name, app: 'shop-admin', name: 'AUDIT_LOG' });
    expect(shared.status, JSON.stringify(shared.body)).toBe(201);
    expect(await config('shop-admin')).toMatchObject({ AUDIT_LOG_URL: CONFIG.MYLOG_URL, AUDIT_LOG_TOKEN: CONFIG.MYLOG_TOKEN });
    expect((await alice('DELETE', `/apps/shop-admin/addon-attachments/AUDIT_LOG`)).status).toBe(200);
    expect(Object.keys(await config('shop-admin'))).not.toContain('AUDIT_LOG_URL');
  });

  it('gives the partner’s 422 message to the user and leaves nothing behind', async () => {
    const [count, before, vars] = [(await addons()).length, await releases(), await config()];
    partner.script('provision', { status: 422, body: { message: 'No more test plans in this region.' } });
    const refused = await alice('POST', '/apps/shop/addons', { plan: `${ID}:test`, attachment: { name: 'SECOND_LOG' } });
    expect(refused.status).toBe(422);
    expect(refused.body).toEqual({ id: 'addon_partner_refused', message: 'No more test plans in this region.' });
    expect((await addons()).length).toBe(count);
    expect((await alice('GET', '/apps/shop/addon-attachments')).body.map((a: { name: string }) => a.name)).not.toContain('SECOND_LOG');
    expect(await config()).toEqual(vars);
    expect(await releases()).toBe(before);
  });

  it('after a timeout, fails and deprovisions what the partner may have made', async () => {
    const start = partner.calls.length;
    const [count, vars] = [(await addons()).length, await config()];
    partner.script('provision', { status: 201, body: { config: CONFIG }, delayMs: 2_000 });
    const failed = await alice('POST', '/apps/shop/addons', { plan: `${ID}:test`, attachment: { name: 'SLOW_LOG' } });
    expect(failed.status).toBe(503);
    expect(failed.body.id).toBe('addon_partner_failed');
    expect(failed.body.message).toMatch(/did not answer in time/);
    const [post, del] = callsSince(start);
    expect(post!.method).toBe('POST');
    expect(del).toMatchObject({ method: 'DELETE', path: `/heroku/resources/${post!.body.uuid}`, problem: null });
    expect((await addons()).length).toBe(count);
    expect(await config()).toEqual(vars);
  });

  it('does not bring back an add-on destroyed while the partner was still answering its provision', async () => {
    const [count, vars] = [(await addons()).length, await config()];
    partner.script('provision', { status: 201, body: { config: CONFIG }, delayMs: 300 });
    const start = partner.calls.length;
    const creating = alice('POST', '/apps/shop/addons', { plan: `${ID}:test`, attachment: { name: 'RACED_LOG' } });
    let pending: { name: string; state: string } | undefined;
    for (let tries = 0; !pending && tries < 50; tries += 1) {
      pending = (await addons()).find((a) => a.state === 'provisioning');
      if (!pending) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(pending, 'the add-on is listed while it is provisioned').toBeDefined();
    expect((await alice('DELETE', `/apps/shop/addons/${pending!.name}`)).status).toBe(200);
    const created = await creating;
    expect(created.status).toBe(409);
    expect(created.body.message).toContain('was destroyed while it was being provisioned');
    // the destroy's DELETE, then the create's own compensating one: nothing is left at the partner
    expect(callsSince(start).filter((call) => call.method === 'DELETE').length).toBe(2);
    expect((await addons()).length).toBe(count);
    expect(await config()).toEqual(vars);
  });

  it('changes plan through the partner, and keeps the plan when the partner refuses', async () => {
    const [addon] = (await addons()).filter((a) => a.name.startsWith(`${ID}-`));
    const start = partner.calls.length;
    partner.script('plan', { status: 200, body: { config: { MYLOG_URL: 'https://logs.partner.example/t/pro' }, message: 'upgraded' } });
    const before = await releases();
    const changed = await alice('PATCH', `/apps/shop/addons/${addon!.name}`, { plan: 'pro' });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body.plan).toMatchObject({ name: `${ID}:pro`, price: { cents: 2500 } });
    expect(callsSince(start)[0]).toMatchObject({ method: 'PUT', path: `/heroku/resources/${addon!.id}`, body: { plan: 'pro' }, problem: null });
    expect((await config()).MYLOG_URL).toBe('https://logs.partner.example/t/pro');
    expect(await releases()).toBe(before + 1);

    partner.script('plan', { status: 422, body: { message: 'Cannot downgrade with data over the test plan’s limit.' } });
    const refused = await alice('PATCH', `/apps/shop/addons/${addon!.name}`, { plan: `${ID}:test` });
    expect(refused.status).toBe(422);
    expect(refused.body).toEqual({ id: 'addon_partner_refused', message: 'Cannot downgrade with data over the test plan’s limit.' });
    expect((await alice('GET', `/addons/${addon!.name}`)).body.plan.name).toBe(`${ID}:pro`);
  });

  it('deprovisions through the partner, retried after a 5xx; a partner that keeps failing changes nothing', async () => {
    const [addon] = (await addons()).filter((a) => a.name.startsWith(`${ID}-`));
    partner.script('deprovision', { status: 500 }, { status: 500 }, { status: 500 });
    const kept = await alice('DELETE', `/apps/shop/addons/${addon!.name}`);
    expect(kept.status).toBe(503);
    expect(kept.body.id).toBe('addon_partner_failed');
    expect((await config()).MYLOG_URL).toBeDefined();

    const start = partner.calls.length;
    partner.script('deprovision', { status: 502 });
    const destroyed = await alice('DELETE', `/apps/shop/addons/${addon!.name}`);
    expect(destroyed.status, JSON.stringify(destroyed.body)).toBe(200);
    expect(callsSince(start).map((c) => `${c.method} ${c.path}`)).toEqual([`DELETE /heroku/resources/${addon!.id}`, `DELETE /heroku/resources/${addon!.id}`]);
    expect(Object.keys(await config()).filter((name) => name.startsWith('MYLOG_'))).toEqual([]);
    expect((await alice('GET', `/addons/${addon!.name}`)).status).toBe(404);
    // its time was metered by plan, from the partner's acceptance to its deprovisioning
    const usage = (await alice('GET', '/apps/shop/usage')).body as { lines: { kind: string; process_type: string; seconds: number }[] };
    const metered = usage.lines.filter((line) => line.kind === 'addon' && line.process_type.startsWith(`${ID}:`));
    expect(metered.length, JSON.stringify(usage.lines)).toBeGreaterThan(0);
    expect(metered.reduce((sum, line) => sum + line.seconds, 0)).toBeGreaterThan(0);
  });

  it('provisions asynchronously: provisioning until the partner sets its config and marks it provisioned', async () => {
    partner.script('provision', { status: 202, body: { id: 'partner-async-1', message: 'on its way' } });
    const created = await alice('POST', '/apps/shop/addons', { plan: ID });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ state: 'provisioning', config_vars: ['MYLOG_URL', 'MYLOG_TOKEN'] });
    expect((await config()).MYLOG_URL).toBeUndefined();

    // Heroku takes only the OAuth token there: the manifest's Basic credentials are refused
    const basic = await partner.setConfig(cp.url, created.body.id, CONFIG, `Basic ${Buffer.from(`${ID}:${PASSWORD}`).toString('base64')}`);
    expect(basic.status).toBe(401);
    expect(((await basic.json()) as { id: string }).id).toBe('unauthorized');
    const wrong = await partner.callBack(cp.url, created.body.id, CONFIG, 'not-a-token');
    expect(wrong.config.status).toBe(401);
    expect(await wrong.config.json()).toEqual({ id: 'unauthorized', message: 'Invalid credentials provided.' });
    expect(wrong.provision.status).toBe(401);
    expect((await config()).MYLOG_URL).toBeUndefined();

    const { config: set, provision } = await partner.callBack(cp.url, created.body.id, CONFIG);
    expect(set.status).toBe(200);
    expect(await set.json()).toEqual(expect.arrayContaining([{ name: 'MYLOG_URL', value: CONFIG.MYLOG_URL }]));
    expect(provision.status).toBe(200);
    expect(((await provision.json()) as { state: string }).state).toBe('provisioned');
    expect(await config()).toMatchObject(CONFIG);
    expect((await alice('GET', `/addons/${created.body.name}`)).body.state).toBe('provisioned');

    // only the manifest's names
    const foreign = await partner.setConfig(cp.url, created.body.id, { PATH: '/evil' }, `Bearer ${partner.tokens.get(created.body.id)!.accessToken}`);
    expect(foreign.status).toBe(422);
    expect((await config()).PATH).toBeUndefined();
  });

  it('keeps the config of a partner that calls back before its 202 arrives', async () => {
    let callback: Awaited<ReturnType<TestPartner['callBack']>> | undefined;
    partner.script('provision', { status: 202, body: {}, before: async (body: { uuid: string }) => (callback = await partner.callBack(cp.url, body.uuid, { MYLOG_URL: 'https://fast.partner.example' })) });
    const created = await alice('POST', '/apps/shop-admin/addons', { plan: ID });
    expect(created.status).toBe(201);
    expect(callback!.config.status).toBe(200);
    expect((await config('shop-admin')).MYLOG_URL).toBe('https://fast.partner.example');
    const addon = (await alice('GET', `/addons/${created.body.name}`)).body;
    expect(addon).toMatchObject({ state: 'provisioned', config_vars: ['MYLOG_URL', 'MYLOG_TOKEN'] });
    expect((await alice('DELETE', `/apps/shop-admin/addons/${created.body.name}`)).status).toBe(200);
  });

  it('exchanges a grant once: a wrong client secret is refused without spending it, a reused code revokes what it gave, an expired one is refused', async () => {
    partner.script('provision', { status: 202, body: {}, exchange: false }, { status: 202, body: {}, exchange: false });
    const first = await alice('POST', '/apps/shop-admin/addons', { plan: ID, attachment: { name: 'GRANTED_LOG' } });
    const late = await alice('POST', '/apps/shop-admin/addons', { plan: ID, attachment: { name: 'LATE_LOG' } });
    expect([first.status, late.status], JSON.stringify([first.body, late.body])).toEqual([201, 201]);
    const code = partner.grants.get(first.body.id)!.code;

    const wrongSecret = await partner.exchange({ grant_type: 'authorization_code', code, client_secret: 'x'.repeat(43) });
    expect(wrongSecret.status).toBe(401);
    expect(await wrongSecret.json()).toEqual({ id: 'unauthorized', message: 'Invalid client secret.' });
    const unknown = await partner.exchange({ grant_type: 'authorization_code', code: 'not-a-code' });
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toEqual({ id: 'unauthorized', message: 'Invalid grant code: it is unknown, expired or revoked.' });
    const malformed = await partner.exchange({ grant_type: 'password', username: 'a', password: 'b' });
    expect(malformed.status).toBe(422);
    expect(((await malformed.json()) as { id: string }).id).toBe('invalid_params');

    const exchanged = await partner.exchangeGrant(first.body.id);
    expect(exchanged.status, await exchanged.clone().text()).toBe(200);
    expect(exchanged.headers.get('cache-control')).toBe('no-store');
    const { accessToken } = partner.tokens.get(first.body.id)!;
    expect((await partner.callBack(cp.url, first.body.id, { MYLOG_URL: 'https://granted.example' })).provision.status).toBe(200);
    expect((await config('shop-admin')).GRANTED_LOG_URL).toBe('https://granted.example');

    // RFC 6749 §4.1.2: a code presented again may have leaked, so what it gave stops working
    const again = await partner.exchangeGrant(first.body.id);
    expect(again.status).toBe(401);
    expect(((await again.json()) as { message: string }).message).toContain('exchanged already');
    expect((await partner.setConfig(cp.url, first.body.id, { MYLOG_URL: 'https://stolen.example' }, `Bearer ${accessToken}`)).status).toBe(401);
    expect((await partner.refresh(first.body.id)).status).toBe(401);
    expect((await config('shop-admin')).GRANTED_LOG_URL).toBe('https://granted.example');

    // past its expiry a grant is refused (and the add-on waits for a partner that never got in)
    const lateGrant = partner.grants.get(late.body.id)!;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(lateGrant.expires_at) - Date.now()) + 300));
    const expired = await partner.exchangeGrant(late.body.id);
    expect(expired.status).toBe(401);
    expect(await expired.json()).toEqual({ id: 'unauthorized', message: 'Invalid grant code: it is unknown, expired or revoked.' });
    expect((await alice('GET', `/addons/${late.body.name}`)).body.state).toBe('provisioning');

    for (const addon of [first.body, late.body]) expect((await alice('DELETE', `/apps/shop-admin/addons/${addon.name}`)).status).toBe(200);
  });

  it('refreshes a token; a token acts only on its own add-on; a rotated client secret replaces the old one; after deprovisioning nothing works', async () => {
    const a = await alice('POST', '/apps/shop-admin/addons', { plan: `${ID}:test`, attachment: { name: 'A_LOG' } });
    const b = await alice('POST', '/apps/shop-admin/addons', { plan: `${ID}:test`, attachment: { name: 'B_LOG' } });
    expect([a.status, b.status], JSON.stringify([a.body, b.body])).toEqual([201, 201]);
    const before = partner.tokens.get(a.body.id)!;
    const refreshed = await partner.refresh(a.body.id);
    expect(refreshed.status, await refreshed.clone().text()).toBe(200);
    expect(await refreshed.json()).toMatchObject({ token_type: 'Bearer', expires_in: 8 * 3600, refresh_token: before.refreshToken });
    const after = partner.tokens.get(a.body.id)!;
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(await redisHolds(after.accessToken)).toBe(false);
    expect((await partner.setConfig(cp.url, a.body.id, { MYLOG_URL: 'https://refreshed.example' }, `Bearer ${after.accessToken}`)).status).toBe(200);
    expect((await config('shop-admin')).A_LOG_URL).toBe('https://refreshed.example');

    // a's token on b's callbacks: refused, b untouched
    const other = await partner.setConfig(cp.url, b.body.id, { MYLOG_URL: 'https://hijack.example' }, `Bearer ${after.accessToken}`);
    expect(other.status).toBe(403);
    expect(((await other.json()) as { id: string }).id).toBe('forbidden');
    const otherProvision = await fetch(`${cp.url}/addons/${b.body.id}/actions/provision`, { method: 'POST', headers: { authorization: `Bearer ${after.accessToken}` } });
    expect(otherProvision.status).toBe(403);
    expect((await config('shop-admin')).B_LOG_URL).toBe(CONFIG.MYLOG_URL);

    // rotation: operators only; the old secret stops at once, the new one works
    expect((await alice('POST', `/partner-addon-services/${ID}/actions/rotate-secret`, {})).status).toBe(403);
    const rotated = await admin('POST', `/partner-addon-services/${ID}/actions/rotate-secret`, {});
    expect(rotated.status).toBe(201);
    expect(rotated.body.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(rotated.body.client_secret).not.toBe(clientSecret);
    const refusedOld = await partner.refresh(b.body.id);
    expect(refusedOld.status).toBe(401);
    expect(await refusedOld.json()).toEqual({ id: 'unauthorized', message: 'Invalid client secret.' });
    clientSecret = rotated.body.client_secret;
    partner.connect({ tokenUrl: rotated.body.oauth_token_url, clientSecret });
    expect((await partner.refresh(b.body.id)).status).toBe(200);

    // deprovisioned: its access and refresh tokens are revoked
    expect((await alice('DELETE', `/apps/shop-admin/addons/${a.body.name}`)).status).toBe(200);
    expect((await partner.setConfig(cp.url, a.body.id, { MYLOG_URL: 'https://gone.example' }, `Bearer ${after.accessToken}`)).status).toBe(401);
    expect((await partner.refresh(a.body.id)).status).toBe(401);
    expect((await alice('DELETE', `/apps/shop-admin/addons/${b.body.name}`)).status).toBe(200);
    expect((await partner.callBack(cp.url, b.body.id, CONFIG)).config.status).toBe(401);
  });

  it('opens the add-on through single sign-on, which the partner verifies; the link works once', async () => {
    const [addon] = (await addons()).filter((a) => a.name.startsWith(`${ID}-`));
    const opened = await alice('POST', `/apps/shop/addons/${addon!.name}/actions/open`, {});
    expect(opened.status).toBe(201);
    const page = await fetch(opened.body.web_url);
    expect(page.status).toBe(200);
    const html = await page.text();
    const action = /<form method="post" action="([^"]+)"/.exec(html)![1]!;
    expect(action).toBe(partner.ssoUrl);
    const fields = Object.fromEntries([...html.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!.replace(/&#(\d+);/g, (_, c) => String.fromCharCode(Number(c)))]));
    const login = await fetch(action, { method: 'POST', body: new URLSearchParams(fields) });
    expect(login.status, await login.clone().text()).toBe(200);
    expect(partner.ssoLogins.at(-1)).toMatchObject({ resource_id: addon!.id, email: 'alice@example.com', app: 'shop' });
    // a forged token is refused by the partner
    expect((await fetch(action, { method: 'POST', body: new URLSearchParams({ ...fields, resource_token: '0'.repeat(40) }) })).status).toBe(403);
    const again = await fetch(opened.body.web_url);
    expect(again.status).toBe(404);
    expect(again.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await again.text()).toContain('expired or was used already');
  });

  it('deprovisions an app’s partner add-ons at the partner when the app is deleted', async () => {
    expect((await alice('POST', '/apps', { name: 'short-lived' })).status).toBe(201);
    const created = await alice('POST', '/apps/short-lived/addons', { plan: `${ID}:test` });
    expect(created.status).toBe(201);
    const start = partner.calls.length;
    expect((await alice('DELETE', '/apps/short-lived')).status).toBe(200);
    expect(callsSince(start).map((c) => `${c.method} ${c.path}`)).toEqual([`DELETE /heroku/resources/${created.body.id}`]);
    expect((await alice('GET', `/addons/${created.body.id}`)).status).toBe(404);
  });

  it('keeps a service with add-ons; removes it once they are gone', async () => {
    expect((await admin('DELETE', `/partner-addon-services/${ID}`)).status).toBe(409);
    for (const addon of (await addons()).filter((a) => a.name.startsWith(`${ID}-`))) expect((await alice('DELETE', `/apps/shop/addons/${addon.name}`)).status).toBe(200);
    expect((await admin('DELETE', `/partner-addon-services/${ID}`)).status).toBe(200);
    expect((await admin('GET', '/partner-addon-services')).body).toEqual([]);
  });

  it('slipway addons:partners:register, addons:create, addons:open and addons:partners:remove', async () => {
    const home = await mkdtemp(join(tmpdir(), 'slipway-partner-cli-'));
    try {
      const slipway = inProcessCli({ home, cwd: home });
      const ok = async (args: string[]) => {
        const result = await slipway(args);
        expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
        return result.stdout;
      };
      await writeFile(join(home, 'manifest.json'), JSON.stringify(manifest()));
      await writeFile(join(home, 'bad.json'), JSON.stringify({ ...manifest(), api: { ...manifest().api, version: '1' } }));
      expect((await slipway(['login', '--api', cp.url, '--token', '-'], { stdin: `${cp.adminToken}\n` })).code).toBe(0);
      const bad = await slipway(['addons:partners:register', 'bad.json']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('api.version');
      const registered = await ok(['addons:partners:register', 'manifest.json']);
      expect(registered).toMatch(new RegExp(`^Registered ${ID} \\(My Log\\): users add it with slipway addons:create ${ID}:<plan>\n`));
      const tokenUrl = `${cp.url}/oauth/token`;
      const secretOf = (output: string) => new RegExp(`^Give the partner its OAuth client secret \\(shown this once\\): ([A-Za-z0-9_-]{43})\nand the URL where it exchanges its grants: ${tokenUrl}\n$`, 'm').exec(output)?.[1];
      expect(secretOf(registered), registered).toBeDefined();
      const rotated = await ok(['addons:partners:rotate-secret', ID]);
      expect(secretOf(rotated), rotated).toBeDefined();
      expect(secretOf(rotated)).not.toBe(secretOf(registered));
      partner.connect({ tokenUrl, clientSecret: secretOf(rotated)! });
      expect(await ok(['addons:partners'])).toMatch(/mylog\s+My Log\s+test\* \$0\.00\/month, pro \$25\.00\/month\s+MYLOG_URL, MYLOG_TOKEN/);
      expect(await ok(['addons:plans', ID])).toMatch(/mylog:pro\s+-\s+-\s+\$25\.00/);

      expect((await slipway(['login', '--api', cp.url, '--token', '-'], { stdin: `${aliceToken}\n` })).code).toBe(0);
      const created = await ok(['addons:create', `${ID}:test`, '-a', 'shop-admin']);
      const name = /^Created (mylog-[a-z]+-\d{5}) \(mylog:test\) as MYLOG_URL, MYLOG_TOKEN on shop-admin$/m.exec(created)?.[1];
      expect(name, created).toBeDefined();
      const url = (await ok(['addons:open', name!, '-a', 'shop-admin'])).trim();
      expect(url).toMatch(new RegExp(`^${cp.url}/addon-sso/`));
      expect(await (await fetch(url)).text()).toContain(`action="${partner.ssoUrl}"`);
      expect(await ok(['addons:destroy', name!, '-a', 'shop-admin', '--confirm', 'shop-admin'])).toBe(`Destroyed ${name} on shop-admin\n`);

      expect((await slipway(['login', '--api', cp.url, '--token', '-'], { stdin: `${cp.adminToken}\n` })).code).toBe(0);
      expect(await ok(['addons:partners:remove', ID, '--confirm', ID])).toBe(`Removed ${ID}\n`);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
