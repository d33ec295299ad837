// A real OpenID Connect provider on loopback for tests: panva's certified `oidc-provider` over
// HTTPS (a test CA, which the control plane trusts through SLIPWAY_OIDC_CA_FILE), with one
// client registered for the control plane's callback, its dev login and consent pages, and
// the test's users. TestBrowser plays the user's browser with plain HTTP requests: a cookie jar,
// redirects followed by hand, the IdP's forms filled in and submitted.
import { createServer } from 'node:https';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { Agent, fetch as undiciFetch } from 'undici';
import { makeTestCa, type TestCa } from './test-ca.js';

export interface IdpUser {
  email: string;
  email_verified: boolean;
}

export interface TestIdp {
  issuer: string;
  ca: TestCa;
  /** The control plane's settings for this IdP. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** An IdP whose users are `users` by login name (any password), for the client whose callback is `redirectUri`. */
export async function startTestIdp(redirectUri: string, users: Record<string, IdpUser>): Promise<TestIdp> {
  const ca = await makeTestCa();
  const server = createServer({ cert: ca.cert, key: ca.key });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const issuer = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = { client_id: 'slipway', client_secret: 'a-client-secret-for-tests-only-0123456789' };
  const provider = new Provider(issuer, {
    clients: [{ ...client, redirect_uris: [redirectUri], grant_types: ['authorization_code'], response_types: ['code'] }],
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    cookies: { keys: ['test-cookie-key-0123456789'] },
    // Stated, so that it does not warn about its defaults.
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
    findAccount: (_ctx, login) => {
      const user = users[login];
      return user ? { accountId: login, claims: () => ({ sub: login, ...user }) } : undefined;
    },
  });
  server.on('request', provider.callback());
  return {
    issuer,
    ca,
    env: { SLIPWAY_OIDC_ISSUER: issuer, SLIPWAY_OIDC_CLIENT_ID: client.client_id, SLIPWAY_OIDC_CLIENT_SECRET: client.client_secret, SLIPWAY_OIDC_CA_FILE: ca.caFile },
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await ca.remove();
    },
  };
}

interface Page {
  status: number;
  url: string;
  location: string | null;
  body: string;
}

/** A browser without JavaScript: cookies (by name, which is enough for one IdP) and manual redirects. */
export class TestBrowser {
  private readonly cookies = new Map<string, Map<string, string>>();
  private readonly dispatcher: Agent;

  constructor(ca: TestCa) {
    this.dispatcher = new Agent({ connect: { ca: ca.caCert } });
  }

  async request(url: string, form?: Record<string, string>): Promise<Page> {
    const { host } = new URL(url);
    const jar = this.cookies.get(host) ?? new Map<string, string>();
    this.cookies.set(host, jar);
    const response = await undiciFetch(url, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      dispatcher: this.dispatcher,
      headers: {
        ...(jar.size > 0 ? { cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; ') } : {}),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = cookie.split(';');
      const [name = '', value = ''] = pair.split(/=(.*)/s);
      const expired = attributes.some((a) => /^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]!) < Date.now());
      if (expired || value === '') jar.delete(name.trim());
      else jar.set(name.trim(), value);
    }
    const location = response.headers.get('location');
    return { status: response.status, url, location: location && new URL(location, url).href, body: await response.text() };
  }

  /**
   * Opens `startUrl` and signs in at the IdP as `login`: follows redirects and submits the
   * IdP's login and consent forms until the browser is sent to a URL starting with `until`,
   * which it answers without opening (the callback, for the test to open or tamper with).
   * Starts signed out (cookies cleared), so the IdP asks who signs in.
   */
  async signInUntil(startUrl: string, login: string, until: string): Promise<string> {
    this.cookies.clear();
    let page = await this.request(startUrl);
    for (let step = 0; step < 20; step += 1) {
      if (page.location?.startsWith(until)) return page.location;
      if (page.location && page.status >= 300 && page.status < 400) {
        page = await this.request(page.location);
        continue;
      }
      const form = /<form[^>]*action="([^"]+)"[^>]*method="post"/i.exec(page.body);
      if (page.status !== 200 || !form) throw new Error(`the sign-in stopped at ${page.url} (${page.status}): ${page.body.slice(0, 300)}`);
      const fields: Record<string, string> = {};
      for (const input of page.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) fields[input[1]!] = input[2]!;
      if (/name="login"/.test(page.body)) Object.assign(fields, { login, password: 'any password' });
      page = await this.request(new URL(form[1]!, page.url).href, fields);
    }
    throw new Error(`the sign-in did not reach ${until}`);
  }

  /** Signs in and opens the callback: the control plane's page. */
  async signIn(startUrl: string, login: string): Promise<Page> {
    const callback = await this.signInUntil(startUrl, login, new URL('/auth/sso/callback', startUrl).href);
    return this.request(callback);
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}
