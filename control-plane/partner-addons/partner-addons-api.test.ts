// Third-party add-ons through the real API, Redis and NATS, against a test partner (a real HTTP
// server on 127.0.0.1, test/support/test-partner.ts) that checks Basic auth and request shapes:
// registering a manifest, sync provisioning (config vars on the app, a release), a refusal, a
// timeout with its compensating deprovision, plan changes, deprovision retried after a 5xx,
// async provisioning with the partner's callback, and single sign-on verified by the partner.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessCli } from '../../cli/testing/cli-harness.js';
import { apiClient, NO_BUILDS, startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';
import { startTestPartner, type TestPartner } from '../../test/support/test-partner.js';

const ID = 'mylog';
const PASSWORD = 'partner-password-1';
const SALT = 'sso-salt-123456';
const CONFIG = { MYLOG_URL: 'https://logs.partner.example/t/abc', MYLOG_TOKEN: 'tok-abc' };

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

  beforeAll(async () => {
    partner = await startTestPartner({ id: ID, password: PASSWORD, ssoSalt: SALT, config: CONFIG });
    cp = await startTestControlPlane(
      { SLIPWAY_ADDON_PARTNER_TIMEOUT_SECONDS: '0.5', SLIPWAY_ADDON_PARTNER_RETRY_SECONDS: '0.05', SLIPWAY_ADDON_PARTNER_ATTEMPTS: '3' },
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
    expect(created.body).toMatchObject({ id: ID, config_vars: ['MYLOG_URL', 'MYLOG_TOKEN'], base_url: partner.baseUrl });
    expect(JSON.stringify(created.body)).not.toContain(PASSWORD);
    expect(JSON.stringify(created.body)).not.toContain(SALT);
    expect((await admin('POST', '/partner-addon-services', manifest())).status).toBe(409);
    expect((await admin('GET', '/partner-addon-services')).body.map((s: { id: string }) => s.id)).toEqual([ID]);
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
    expect(call!.body).toMatchObject({ uuid: created.body.id, name: created.body.name, plan: 'test', region: 'us', callback_url: `${cp.url}/addons/${created.body.id}` });
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

    const wrong = await partner.callBack(cp.url, created.body.id, CONFIG, { id: ID, password: 'not-the-password' });
    expect(wrong.config.status).toBe(401);
    expect(await wrong.config.json()).toEqual({ id: 'unauthorized', message: 'Invalid credentials provided.' });
    expect(wrong.provision.status).toBe(401);

    const { config: set, provision } = await partner.callBack(cp.url, created.body.id, CONFIG);
    expect(set.status).toBe(200);
    expect(await set.json()).toEqual(expect.arrayContaining([{ name: 'MYLOG_URL', value: CONFIG.MYLOG_URL }]));
    expect(provision.status).toBe(200);
    expect(((await provision.json()) as { state: string }).state).toBe('provisioned');
    expect(await config()).toMatchObject(CONFIG);
    expect((await alice('GET', `/addons/${created.body.name}`)).body.state).toBe('provisioned');

    // only the manifest's names
    const headers = { authorization: `Basic ${Buffer.from(`${ID}:${PASSWORD}`).toString('base64')}`, 'content-type': 'application/json' };
    const foreign = await fetch(`${cp.url}/addons/${created.body.id}/config`, { method: 'PATCH', headers, body: JSON.stringify({ config: [{ name: 'PATH', value: '/evil' }] }) });
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
      expect(await ok(['addons:partners:register', 'manifest.json'])).toBe(`Registered ${ID} (My Log): users add it with slipway addons:create ${ID}:<plan>\n`);
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
