// The pure parts of single sign-on: what the IdP's claims mean for accounts, the browser
// login's state machine, the operator's settings, the browser's pages.
import { describe, expect, it } from 'vitest';
import type { User } from '../../common/types.js';
import { browserPage } from '../handlers/sso.js';
import { OidcIdentityProvider } from './oidc-client.js';
import { parseOidcSettings } from './oidc-settings.js';
import { ssoAccountDecision } from './sso-login.js';
import { finished, pollOutcome, started, type SsoSession } from './sso-sessions.js';

const user = (extra: Partial<User> = {}): User => ({ id: 'u1', email: 'ada@example.com', admin: false, createdAt: '2026-01-01T00:00:00Z', ...extra });

describe('ssoAccountDecision', () => {
  it('logs in the account of a verified email (any case), proving an unconfirmed one', () => {
    expect(ssoAccountDecision({ sub: 's', email: 'Ada@Example.com', email_verified: true }, user(), true)).toEqual({ action: 'login', user: user(), provesEmail: false });
    expect(ssoAccountDecision({ sub: 's', email: 'ada@example.com', email_verified: 'true' }, user({ emailVerifiedAt: null }), false)).toMatchObject({ action: 'login', provesEmail: true });
  });

  it('makes an account for a new verified email only when auto-provisioning is on', () => {
    expect(ssoAccountDecision({ sub: 's', email: ' New@Example.com ', email_verified: true }, null, true)).toEqual({ action: 'create', email: 'new@example.com' });
    expect(ssoAccountDecision({ sub: 's', email: 'new@example.com', email_verified: true }, null, false)).toMatchObject({ action: 'refuse', failure: { id: 'sso_no_account', status: 403 } });
  });

  it('refuses an email the IdP did not verify, none at all, and a suspended account', () => {
    for (const email_verified of [false, 'false', undefined, 1]) {
      expect(ssoAccountDecision({ sub: 's', email: 'ada@example.com', email_verified }, user(), true)).toMatchObject({ action: 'refuse', failure: { id: 'unverified_email', status: 403 } });
    }
    expect(ssoAccountDecision({ sub: 's', email_verified: true }, null, true)).toMatchObject({ action: 'refuse', failure: { id: 'sso_no_email' } });
    expect(ssoAccountDecision({ sub: 's', email: 'ada@example.com', email_verified: true }, user({ disabledAt: '2026-01-02T00:00:00Z' }), true)).toMatchObject({
      action: 'refuse',
      failure: { id: 'account_disabled', status: 403, message: expect.stringMatching(/ada@example\.com is disabled/) },
    });
  });
});

describe('the browser login state machine', () => {
  const pending: SsoSession = { status: 'pending', pollSecretHash: 'h', description: 'cli', expiresAt: '2026-01-01T00:10:00Z' };
  const checks = { state: 'st', nonce: 'no', codeVerifier: 'cv' };

  it('goes pending, started, then done or failed; a poll waits until then', () => {
    const going = started(pending, checks);
    expect(going).toEqual({ ...pending, status: 'started', ...checks });
    expect(pollOutcome(pending)).toEqual({ wait: true });
    expect(pollOutcome(going)).toEqual({ wait: true });
    expect(pollOutcome(finished(going, { userId: 'u1' }))).toEqual({ userId: 'u1', description: 'cli' });
    const error = { id: 'unverified_email', message: 'no', status: 403 };
    expect(pollOutcome(finished(going, { error }))).toEqual({ error });
    // Nothing of the IdP round trip is kept once it is over.
    expect(finished(going, { userId: 'u1' })).not.toHaveProperty('codeVerifier');
  });

  it('starts once, and finishes only a started session', () => {
    const going = started(pending, checks);
    expect(() => started(going, checks)).toThrow(/already opened in a browser/);
    expect(() => finished(pending, { userId: 'u1' })).toThrow(/unknown, used or expired/);
    expect(() => finished(finished(going, { userId: 'u1' }), { userId: 'u2' })).toThrow(/unknown, used or expired/);
  });
});

describe('parseOidcSettings', () => {
  const complete = { SLIPWAY_OIDC_ISSUER: 'https://id.example.com/realms/staff', SLIPWAY_OIDC_CLIENT_ID: 'slipway', SLIPWAY_OIDC_CLIENT_SECRET: 's3cret' };

  it('is null without settings, and reads them with auto-provisioning on by default', () => {
    expect(parseOidcSettings({})).toBeNull();
    const settings = parseOidcSettings(complete)!;
    expect(settings).toMatchObject({ clientId: 'slipway', clientSecret: 's3cret', caFile: null, autoProvision: true, redirectUrl: null });
    expect(settings.issuer.href).toBe('https://id.example.com/realms/staff');
    const more = parseOidcSettings({ ...complete, SLIPWAY_OIDC_AUTO_PROVISION: 'false', SLIPWAY_OIDC_CA_FILE: '/etc/slipway/idp-ca.pem', SLIPWAY_OIDC_REDIRECT_URL: 'https://api.example.com/auth/sso/callback' })!;
    expect(more).toMatchObject({ autoProvision: false, caFile: '/etc/slipway/idp-ca.pem' });
    expect(more.redirectUrl!.href).toBe('https://api.example.com/auth/sso/callback');
  });

  it('names what is missing or bad, never the secret', () => {
    expect(() => parseOidcSettings({ SLIPWAY_OIDC_ISSUER: complete.SLIPWAY_OIDC_ISSUER })).toThrow(/SLIPWAY_OIDC_CLIENT_ID, SLIPWAY_OIDC_CLIENT_SECRET missing/);
    expect(() => parseOidcSettings({ ...complete, SLIPWAY_OIDC_ISSUER: 'http://id.example.com' })).toThrow(/SLIPWAY_OIDC_ISSUER: must be https:\/\/ \(http:\/\/ only on loopback\)/);
    expect(parseOidcSettings({ ...complete, SLIPWAY_OIDC_ISSUER: 'http://127.0.0.1:9000' })!.issuer.port).toBe('9000');
    expect(() => parseOidcSettings({ ...complete, SLIPWAY_OIDC_CA_FILE: 'ca.pem' })).toThrow(/SLIPWAY_OIDC_CA_FILE: an absolute path/);
    expect(() => parseOidcSettings({ ...complete, SLIPWAY_OIDC_AUTO_PROVISION: 'maybe' })).toThrow(/SLIPWAY_OIDC_AUTO_PROVISION/);
    expect(() => parseOidcSettings({ ...complete, SLIPWAY_OIDC_REDIRECT_URL: 'https://api.example.com/callback' })).toThrow(/SLIPWAY_OIDC_REDIRECT_URL: must end in \/auth\/sso\/callback/);
    expect(() => parseOidcSettings({ SLIPWAY_OIDC_CA_FILE: '/ca.pem' })).toThrow(/SLIPWAY_OIDC_CA_FILE set without SLIPWAY_OIDC_ISSUER/);
    expect(() => parseOidcSettings({ ...complete, SLIPWAY_OIDC_ISSUER: 'not a url' })).not.toThrow(/s3cret/);
  });
});

describe('OidcIdentityProvider.create', () => {
  it('stops the start on a CA file it cannot read, naming the setting', async () => {
    const settings = parseOidcSettings({ SLIPWAY_OIDC_ISSUER: 'https://id.example.com', SLIPWAY_OIDC_CLIENT_ID: 'c', SLIPWAY_OIDC_CLIENT_SECRET: 's', SLIPWAY_OIDC_CA_FILE: '/nonexistent/idp-ca.pem' })!;
    await expect(OidcIdentityProvider.create(settings, () => new URL('http://127.0.0.1:1/auth/sso/callback'))).rejects.toThrow(/SLIPWAY_OIDC_CA_FILE: cannot read \/nonexistent\/idp-ca\.pem/);
  });
});

describe('browserPage', () => {
  it('escapes what it shows', () => {
    expect(browserPage('Sign-in failed', 'bad <script>alert("x")</script> & more')).toContain('bad &#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; more');
  });
});
