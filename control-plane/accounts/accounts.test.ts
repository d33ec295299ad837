// Self-service accounts through the API: sign-up under each policy, email confirmation,
// password login (`login -i`'s request), password reset, invitations, the per-address budget.
// The mail is read from a recording mailer here; test/e2e/account-mail.test.ts sends it over SMTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';
import { recordingMailer, secretIn } from '../../test/support/recording-mailer.js';
import { startSmtpReceiver, type SmtpReceiver } from '../../test/support/smtp-receiver.js';
import { waitFor } from '../../test/support/wait.js';

const basic = (email: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}` });

async function login(url: string, email: string, password: string) {
  return apiClient(url, null)('POST', '/oauth/authorizations', { description: 'test login' }, basic(email, password));
}

describe('accounts, open sign-up', () => {
  let cp: TestControlPlane;
  const mailer = recordingMailer();
  const anonymous = () => apiClient(cp.url, null);

  beforeAll(async () => {
    cp = await startTestControlPlane({ SLIPWAY_SIGNUP: 'open' }, { accountMailer: mailer });
  });
  afterAll(async () => {
    await cp?.stop();
  });

  it('signs up, confirms the email by its link, then logs in with the password', async () => {
    const signup = await anonymous()('POST', '/signup', { email: 'Ada@Example.com', password: 'correct horse battery' });
    expect(signup.status).toBe(202);
    expect(signup.body.message).toMatch(/ada@example\.com/);
    const mail = mailer.last('ada@example.com');
    expect(mail.subject).toBe('Confirm your Slipway account');

    const early = await login(cp.url, 'ada@example.com', 'correct horse battery');
    expect(early.status).toBe(403);
    expect(early.body.id).toBe('unverified_email');

    const link = /(https?:\/\/\S+\/signup\/verify\?token=\S+)/.exec(mail.text)![1]!;
    expect(link.startsWith(cp.url)).toBe(true);
    const confirmed = await fetch(link);
    expect(confirmed.status).toBe(200);
    expect((await fetch(link)).status).toBe(404); // a link works once

    const authorized = await login(cp.url, 'ADA@example.com', 'correct horse battery');
    expect(authorized.status).toBe(201);
    const token = authorized.body.access_token.token as string;
    const account = await apiClient(cp.url, token)('GET', '/account');
    expect(account.status).toBe(200);
    expect(account.body).toMatchObject({ email: 'ada@example.com', admin: false });
  });

  it('refuses a wrong password and an unknown email alike', async () => {
    const wrong = await login(cp.url, 'ada@example.com', 'not the password');
    const unknown = await login(cp.url, 'nobody@example.com', 'correct horse battery');
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    expect(wrong.body).toEqual(unknown.body);
  });

  it('answers a sign-up of a taken email the same way, and mails its owner instead', async () => {
    const before = mailer.sent.length;
    const again = await anonymous()('POST', '/signup', { email: 'ada@example.com', password: 'another long password' });
    expect(again.status).toBe(202);
    expect(mailer.sent.slice(before).map((m) => m.subject)).toEqual(['Your Slipway account']);
    // The password did not change.
    expect((await login(cp.url, 'ada@example.com', 'another long password')).status).toBe(401);
  });

  it('refuses weak passwords and malformed sign-ups with clear errors', async () => {
    const short = await anonymous()('POST', '/signup', { email: 'bob@example.com', password: 'short' });
    expect(short.status).toBe(422);
    expect(short.body.message).toMatch(/at least 10 characters/);
    const sameAsEmail = await anonymous()('POST', '/signup', { email: 'bob-long@example.com', password: 'bob-long@example.com' });
    expect(sameAsEmail.status).toBe(422);
    const notEmail = await anonymous()('POST', '/signup', { email: 'bob', password: 'correct horse battery' });
    expect(notEmail.status).toBe(422);
    const malformed = await anonymous()('POST', '/signup', '{"email":');
    expect(malformed.status).toBe(400);
    expect(await apiClient(cp.url, null)('GET', '/account/nothing')).toMatchObject({ status: 401 });
  });

  it('resets a password by the mailed secret, once; an unknown email gets the same answer and no mail', async () => {
    const before = mailer.sent.length;
    const unknown = await anonymous()('POST', '/password-resets', { email: 'nobody@example.com' });
    const known = await anonymous()('POST', '/password-resets', { email: 'ada@example.com' });
    expect([unknown.status, known.status]).toEqual([202, 202]);
    expect(mailer.sent.slice(before).map((m) => m.to)).toEqual(['ada@example.com']);
    const secret = secretIn(mailer.last('ada@example.com'), /--token (\S+)/);

    const weak = await anonymous()('POST', `/password-resets/${secret}/actions/finalize`, { password: 'short' });
    expect(weak.status).toBe(422);
    const mismatch = await anonymous()('POST', `/password-resets/${secret}/actions/finalize`, { password: 'a brand new password', password_confirmation: 'something else' });
    expect(mismatch.status).toBe(422);
    const done = await anonymous()('POST', `/password-resets/${secret}/actions/finalize`, { password: 'a brand new password', password_confirmation: 'a brand new password' });
    expect(done.status).toBe(200);
    expect(done.body.email).toBe('ada@example.com');
    expect((await anonymous()('POST', `/password-resets/${secret}/actions/finalize`, { password: 'yet another password' })).status).toBe(404);

    expect((await login(cp.url, 'ada@example.com', 'correct horse battery')).status).toBe(401);
    expect((await login(cp.url, 'ada@example.com', 'a brand new password')).status).toBe(201);
  });

  it('keeps passwords out of the API: no account shape carries one, and tokens still log in', async () => {
    const users = await apiClient(cp.url, cp.adminToken)('GET', '/users');
    expect(JSON.stringify(users.body)).not.toMatch(/argon2|password/);
    const admin = (await apiClient(cp.url, cp.adminToken)('GET', '/account')).body.email as string;
    expect((await login(cp.url, admin, cp.adminToken)).status).toBe(201);
  });
});

describe('accounts, closed and invite-only sign-up', () => {
  let closed: TestControlPlane;
  let invite: TestControlPlane;
  const mailer = recordingMailer();

  beforeAll(async () => {
    [closed, invite] = await Promise.all([
      startTestControlPlane({}, { accountMailer: recordingMailer() }),
      startTestControlPlane({ SLIPWAY_SIGNUP: 'invite', SLIPWAY_ACCOUNT_RATE_LIMIT_PER_HOUR: '12' }, { accountMailer: mailer }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([closed?.stop(), invite?.stop()]);
  });

  it('closed (the default): nobody signs up, operators create users', async () => {
    const signup = await apiClient(closed.url, null)('POST', '/signup', { email: 'eve@example.com', password: 'correct horse battery' });
    expect(signup.status).toBe(403);
    expect(signup.body).toEqual({ id: 'signup_closed', message: 'Sign-up is closed: ask an operator for an account.' });
  });

  it('invite: only the invited email, with its invitation, once', async () => {
    const anonymous = apiClient(invite.url, null);
    const uninvited = await anonymous('POST', '/signup', { email: 'joe@example.com', password: 'correct horse battery' });
    expect(uninvited.status).toBe(403);
    expect(uninvited.body.id).toBe('invitation_required');

    const refused = await apiClient(invite.url, null)('POST', '/invitations', { email: 'joe@example.com' });
    expect(refused.status).toBe(401);
    const invited = await apiClient(invite.url, invite.adminToken)('POST', '/invitations', { email: 'Joe@example.com' });
    expect(invited.status).toBe(201);
    expect(invited.body.email).toBe('joe@example.com');
    const secret = secretIn(mailer.last('joe@example.com'), /--invitation (\S+)/);

    const otherEmail = await anonymous('POST', '/signup', { email: 'mallory@example.com', password: 'correct horse battery', invitation: secret });
    expect(otherEmail.status).toBe(403);
    const joined = await anonymous('POST', '/signup', { email: 'joe@example.com', password: 'correct horse battery', invitation: secret });
    expect(joined.status).toBe(202);
    expect(mailer.last('joe@example.com').subject).toBe('Confirm your Slipway account');
    const reused = await anonymous('POST', '/signup', { email: 'joe@example.com', password: 'correct horse battery', invitation: secret });
    expect(reused.status).toBe(403);
  });

  it('counts sign-up, login and reset requests per address, and says when the budget is spent', async () => {
    const anonymous = apiClient(invite.url, null);
    let last = { status: 0, body: {} as Record<string, unknown>, headers: new Headers() };
    for (let i = 0; i < 12 && last.status !== 429; i++) {
      last = await (i % 2 === 0 ? anonymous('POST', '/password-resets', { email: 'x@example.com' }) : login(invite.url, 'x@example.com', 'guess number one'));
    }
    expect(last.status).toBe(429);
    expect(last.body.message).toMatch(/Too many account requests from your address \(12 an hour\)/);
    // API requests with a token are not counted against the address.
    expect((await apiClient(invite.url, invite.adminToken)('GET', '/account')).status).toBe(200);
  });
});

describe('accounts without a way to send mail', () => {
  let cp: TestControlPlane;

  beforeAll(async () => {
    cp = await startTestControlPlane({ SLIPWAY_SIGNUP: 'open' });
  });
  afterAll(async () => {
    await cp?.stop();
  });

  it('refuses what needs a mail with a 503, the same for an email with an account and one without', async () => {
    const anonymous = apiClient(cp.url, null);
    expect((await apiClient(cp.url, cp.adminToken)('POST', '/users', { email: 'known@example.com' })).status).toBe(201);
    const known = await anonymous('POST', '/password-resets', { email: 'known@example.com' });
    const unknown = await anonymous('POST', '/password-resets', { email: 'unknown@example.com' });
    expect(known).toMatchObject({ status: 503, body: { id: 'email_unavailable' } });
    expect(unknown.body).toEqual(known.body);
    expect((await anonymous('POST', '/signup', { email: 'new@example.com', password: 'correct horse battery' })).status).toBe(503);
    // Nothing was made: the sign-up cannot be confirmed, so it did not happen.
    expect((await apiClient(cp.url, cp.adminToken)('GET', '/users/new@example.com')).status).toBe(404);
  });
});

describe('account mail over SMTP', () => {
  let cp: TestControlPlane;
  let smtp: SmtpReceiver;

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    cp = await startTestControlPlane({ SLIPWAY_SIGNUP: 'open', SLIPWAY_SMTP_URL: smtp.url, SLIPWAY_SMTP_FROM: 'Acme Cloud <no-reply@acme.test>' });
  });
  afterAll(async () => {
    await cp?.stop();
    await smtp?.stop();
  });

  it('a sign-up is confirmed by the link a real SMTP server received, then the password logs in', async () => {
    expect((await apiClient(cp.url, null)('POST', '/signup', { email: 'lin@example.com', password: 'correct horse battery' })).status).toBe(202);
    const mail = await waitFor('the confirmation email', () => smtp.messages.find((m) => (m.to as { text: string }).text === 'lin@example.com'), 30_000);
    expect(mail.from?.text).toBe('"Acme Cloud" <no-reply@acme.test>');
    const link = /(http\S+\/signup\/verify\?token=\S+)/.exec(mail.text ?? '')![1]!;
    expect((await fetch(link)).status).toBe(200);
    expect((await login(cp.url, 'lin@example.com', 'correct horse battery')).status).toBe(201);
  });
});
