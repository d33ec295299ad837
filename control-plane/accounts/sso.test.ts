// Sign-in through the provider's identity provider, through the API, against a real OpenID
// Connect provider (oidc-provider over HTTPS with a test CA) and a browser played with plain
// HTTP: existing accounts matched by verified email, refusals (unverified email, suspended
// account, forged or replayed callback, unknown or expired session), the token given once.
// The CLI's side (`slipway login --sso`, a new account) is in cli/topics/sso.test.ts.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../common/api-token.js';
import { freePort } from '../../common/ports.js';
import { apiClient, startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';
import { startTestIdp, TestBrowser, type TestIdp } from '../../test/support/oidc-idp.js';
import { recordingMailer, secretIn } from '../../test/support/recording-mailer.js';

const basic = (email: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}` });

describe('single sign-on through the IdP (OpenID Connect)', () => {
  let cp: TestControlPlane;
  let idp: TestIdp;
  let browser: TestBrowser;
  let redis: Redis;
  const mailer = recordingMailer();
  const admin = () => apiClient(cp.url, cp.adminToken);
  const anonymous = () => apiClient(cp.url, null);
  const newSession = async () => {
    const created = await anonymous()('POST', '/auth/sso/sessions', { description: 'sso test' });
    expect(created.status).toBe(201);
    return created.body as { id: string; browser_url: string; poll_secret: string; expires_at: string; interval_seconds: number };
  };
  const poll = (session: { id: string }, secret: string) => apiClient(cp.url, secret)('GET', `/auth/sso/sessions/${session.id}`);
  /** Signs in as `login`: the browser's page and the CLI's poll both say why not (a 403). */
  const refusedSignIn = async (login: string, id: string, message: string) => {
    const session = await newSession();
    const page = await browser.signIn(session.browser_url, login);
    expect(page.status).toBe(403);
    expect(page.body).toContain(message);
    const polled = await poll(session, session.poll_secret);
    expect(polled.status).toBe(403);
    expect(polled.body).toEqual({ id, message: expect.stringContaining(message) });
    return session;
  };

  beforeAll(async () => {
    const port = await freePort();
    idp = await startTestIdp(`http://127.0.0.1:${port}/auth/sso/callback`, {
      grace: { email: 'Grace@Example.com', email_verified: true },
      mallory: { email: 'mallory@example.com', email_verified: false },
      sam: { email: 'sam@example.com', email_verified: true },
      pat: { email: 'pat@example.com', email_verified: true },
    });
    cp = await startTestControlPlane({ SLIPWAY_API_PORT: String(port), SLIPWAY_SIGNUP: 'open', ...idp.env }, { accountMailer: mailer });
    browser = new TestBrowser(idp.ca);
    redis = new Redis(cp.redis.url);
  });
  afterAll(async () => {
    redis?.disconnect();
    await browser?.close();
    await cp?.stop();
    await idp?.stop();
  });

  it('logs an existing account in by its verified email; the poll gets a token once', async () => {
    await admin()('POST', '/users', { email: 'grace@example.com' });
    const session = await newSession();
    expect(session.browser_url).toBe(`${cp.url}/auth/sso/start?session=${session.id}`);
    expect(Date.parse(session.expires_at) - Date.now()).toBeGreaterThan(9 * 60_000);
    expect((await poll(session, session.poll_secret)).body).toEqual({ status: 'pending', access_token: null, user: null });

    const page = await browser.signIn(session.browser_url, 'grace');
    expect(page.status).toBe(200);
    expect(page.body).toContain('Logged in as grace@example.com. You can close this window');

    expect((await poll(session, 'not-the-poll-secret')).status).toBe(404);
    const done = await poll(session, session.poll_secret);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'done', user: { email: 'grace@example.com' }, access_token: { expires_in: null } });
    const account = await apiClient(cp.url, done.body.access_token.token)('GET', '/account');
    expect(account.body).toMatchObject({ email: 'grace@example.com', admin: false });
    const tokens = await apiClient(cp.url, done.body.access_token.token)('GET', '/account/tokens');
    expect(tokens.body.map((t: { description: string }) => t.description).sort()).toEqual(['first token', 'sso test']);
    // The sign-in and the token it made are hers in the audit log.
    const audit = await apiClient(cp.url, done.body.access_token.token)('GET', '/account/audit-events');
    expect(audit.body.map((e: { action: string; status: number }) => `${e.action} ${e.status}`).slice(0, 2)).toEqual(['GET /auth/sso/sessions/{id} 200', 'GET /auth/sso/callback 200']);
    // Given once: the session is gone.
    const again = await poll(session, session.poll_secret);
    expect(again.status).toBe(404);
    expect(again.body.id).toBe('sso_session_invalid');
  });

  it('refuses an email the IdP has not verified, and makes no account', async () => {
    const session = await refusedSignIn('mallory', 'unverified_email', 'The identity provider has not verified mallory@example.com');
    expect((await poll(session, session.poll_secret)).status).toBe(404);
    const users = await admin()('GET', '/users');
    expect(users.body.map((u: { email: string }) => u.email)).not.toContain('mallory@example.com');
  });

  it('refuses a suspended account', async () => {
    await admin()('POST', '/users', { email: 'sam@example.com' });
    await admin()('PATCH', '/users/sam@example.com', { disabled: true });
    await refusedSignIn('sam', 'account_disabled', 'The account sam@example.com is disabled');
  });

  it('refuses a callback with a forged state, and a replayed one', async () => {
    const session = await newSession();
    const callback = await browser.signInUntil(session.browser_url, 'grace', `${cp.url}/auth/sso/callback`);
    const forged = new URL(callback);
    forged.searchParams.set('state', 'a-state-this-platform-never-made');
    const refused = await browser.request(forged.href);
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('This sign-in is unknown, used or expired');
    expect((await poll(session, session.poll_secret)).body.status).toBe('pending');

    expect((await browser.request(callback)).status).toBe(200);
    const replayed = await browser.request(callback);
    expect(replayed.status).toBe(400);
    expect(replayed.body).toContain('This sign-in is unknown, used or expired');
    expect((await poll(session, session.poll_secret)).body).toMatchObject({ status: 'done', user: { email: 'grace@example.com' } });
  });

  it('refuses an unknown session, an expired one, and a start URL opened twice', async () => {
    const unknown = await browser.request(`${cp.url}/auth/sso/start?session=no-such-session`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toContain('This login is unknown, used or expired');
    expect((await apiClient(cp.url, 'whatever')('GET', '/auth/sso/sessions/no-such-session')).status).toBe(404);
    expect((await apiClient(cp.url, null)('GET', '/auth/sso/sessions/no-such-session')).status).toBe(401);

    const expired = await newSession();
    // Redis lets the session go when it expires; here, now.
    expect(await redis.pexpire(`slipway:sso:session:${hashSecret(expired.id)}`, 1)).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await browser.request(expired.browser_url)).status).toBe(404);
    expect((await poll(expired, expired.poll_secret)).status).toBe(404);

    const twice = await newSession();
    const first = await browser.request(twice.browser_url);
    expect(first.status).toBe(302);
    expect(first.location).toMatch(new RegExp(`^${idp.issuer}/auth\\?.*code_challenge_method=S256`));
    const second = await browser.request(twice.browser_url);
    expect(second.status).toBe(409);
    expect(second.body).toContain('already opened in a browser');
  });

  it('proves the email of an unconfirmed sign-up, and drops the password whoever signed up chose', async () => {
    expect((await anonymous()('POST', '/signup', { email: 'pat@example.com', password: 'chosen by someone' })).status).toBe(202);
    secretIn(mailer.last('pat@example.com'), /token=(\S+)/); // the confirmation went out, unused
    const session = await newSession();
    expect((await browser.signIn(session.browser_url, 'pat')).status).toBe(200);
    const done = await poll(session, session.poll_secret);
    expect(done.body.user.email).toBe('pat@example.com');
    const login = await anonymous()('POST', '/oauth/authorizations', { description: 'x' }, basic('pat@example.com', 'chosen by someone'));
    expect(login.status).toBe(401);
  });

  it('describes its routes in the schema', async () => {
    const schema = await anonymous()('GET', '/schema');
    expect(Object.keys(schema.body.paths)).toEqual(expect.arrayContaining(['/auth/sso/sessions', '/auth/sso/sessions/{id}', '/auth/sso/start', '/auth/sso/callback']));
    expect(schema.body.paths['/auth/sso/start'].get.responses['302']).toBeDefined();
  });
});

describe('single sign-on while the IdP is down', () => {
  let cp: TestControlPlane;
  let browser: TestBrowser;
  let idp: TestIdp;

  beforeAll(async () => {
    // Nothing listens at the issuer (the test IdP gives only its CA file): the control plane starts anyway.
    const [cpPort, idpPort] = [await freePort(), await freePort()];
    idp = await startTestIdp(`http://127.0.0.1:${cpPort}/auth/sso/callback`, {});
    cp = await startTestControlPlane({ SLIPWAY_API_PORT: String(cpPort), ...idp.env, SLIPWAY_OIDC_ISSUER: `https://127.0.0.1:${idpPort}` });
    browser = new TestBrowser(idp.ca);
  });
  afterAll(async () => {
    await browser?.close();
    await cp?.stop();
    await idp?.stop();
  });

  it('starts, and tells the browser the IdP cannot be reached (503)', async () => {
    expect((await apiClient(cp.url, null)('GET', '/healthz')).status).toBe(200);
    const session = (await apiClient(cp.url, null)('POST', '/auth/sso/sessions', {})).body as { browser_url: string };
    const page = await browser.request(session.browser_url);
    expect(page.status).toBe(503);
    expect(page.body).toContain('The identity provider cannot be reached: try again later, or log in with --email.');
  });
});
