// The pure decisions of talking to a partner: request bodies, reading answers, retries,
// config var naming per attachment, the SSO token and form.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  allowedConfig,
  attachmentConfigVarNames,
  attachmentConfigVars,
  backoffMs,
  deprovisioned,
  deprovisionRequest,
  partnerAttachmentName,
  planChangeRequest,
  provisionRequest,
  readProvisioning,
  retryable,
  ssoFormPage,
  ssoParams,
  ssoToken,
} from './partner-calls.js';

const manifest = { api: { config_vars: ['MYLOG_URL', 'MYLOG_TOKEN'] } } as never;

describe('partner requests', () => {
  it("provisions with Heroku's v3 body, once (POST is not retried)", () => {
    const oauthGrant = { code: 'c0de', expires_at: '2026-01-01T00:05:00.000Z', type: 'authorization_code' as const };
    const call = provisionRequest({ uuid: 'u-1', name: 'mylog-quiet-12345', plan: 'test', region: 'us', callbackUrl: 'http://api/addons/u-1', options: {}, oauthGrant });
    expect(call).toMatchObject({ method: 'POST', path: '', idempotent: false });
    expect(call.body).toMatchObject({ uuid: 'u-1', name: 'mylog-quiet-12345', plan: 'test', region: 'us', callback_url: 'http://api/addons/u-1', options: {}, oauth_grant: oauthGrant });
  });

  it('changes plan and deprovisions at {base_url}/{uuid}, idempotently', () => {
    expect(planChangeRequest('u-1', 'pro')).toEqual({ method: 'PUT', path: '/u-1', idempotent: true, body: { uuid: 'u-1', plan: 'pro' } });
    expect(deprovisionRequest('u-1')).toEqual({ method: 'DELETE', path: '/u-1', idempotent: true });
  });
});

describe('reading answers', () => {
  it('takes a sync answer with only the manifest’s string config vars', () => {
    const verdict = readProvisioning(manifest, { kind: 'answered', status: 201, body: { id: 'p-9', config: { MYLOG_URL: 'https://x', OTHER_URL: 'https://evil', MYLOG_TOKEN: 7 }, message: 'hi' } });
    expect(verdict).toEqual({ kind: 'done', config: { MYLOG_URL: 'https://x' }, providerId: 'p-9', message: 'hi' });
  });

  it('takes 202 as async unless async is not allowed (plan change)', () => {
    expect(readProvisioning(manifest, { kind: 'answered', status: 202, body: { id: 'p-1' } })).toMatchObject({ kind: 'accepted', providerId: 'p-1' });
    expect(readProvisioning(manifest, { kind: 'answered', status: 202, body: {} }, false)).toMatchObject({ kind: 'failed', compensate: false });
  });

  it('gives the partner’s 4xx message to the user and undoes nothing (nothing was made)', () => {
    expect(readProvisioning(manifest, { kind: 'answered', status: 422, body: { message: 'No more test plans' } })).toEqual({ kind: 'refused', message: 'No more test plans' });
    expect(readProvisioning(manifest, { kind: 'answered', status: 400, body: 'junk' })).toEqual({ kind: 'refused', message: 'the partner refused (400)' });
  });

  it('compensates after a timeout, a 5xx or a broken connection, not after a refused one', () => {
    expect(readProvisioning(manifest, { kind: 'timeout' })).toMatchObject({ kind: 'failed', compensate: true });
    expect(readProvisioning(manifest, { kind: 'answered', status: 503, body: null })).toMatchObject({ kind: 'failed', compensate: true });
    expect(readProvisioning(manifest, { kind: 'unreachable', error: 'ECONNRESET' })).toMatchObject({ kind: 'failed', compensate: true });
    expect(readProvisioning(manifest, { kind: 'unreachable', error: 'ECONNREFUSED' })).toMatchObject({ kind: 'failed', compensate: false });
  });

  it('counts gone as deprovisioned', () => {
    expect(deprovisioned({ kind: 'answered', status: 204, body: null })).toBe(true);
    expect(deprovisioned({ kind: 'answered', status: 410, body: null })).toBe(true);
    expect(deprovisioned({ kind: 'answered', status: 500, body: null })).toBe(false);
    expect(deprovisioned({ kind: 'timeout' })).toBe(false);
  });

  it('retries no answer, 5xx and 429, never another 4xx, with doubling waits', () => {
    expect(retryable({ kind: 'timeout' })).toBe(true);
    expect(retryable({ kind: 'answered', status: 502, body: null })).toBe(true);
    expect(retryable({ kind: 'answered', status: 429, body: null })).toBe(true);
    expect(retryable({ kind: 'answered', status: 422, body: null })).toBe(false);
    expect(retryable({ kind: 'answered', status: 200, body: null })).toBe(false);
    expect([0, 1, 2].map((n) => backoffMs(n, 100))).toEqual([100, 200, 400]);
  });

  it('keeps only the manifest’s names', () => {
    expect(allowedConfig(manifest, { MYLOG_TOKEN: 't', PATH: '/bin' })).toEqual({ MYLOG_TOKEN: 't' });
    expect(allowedConfig(manifest, ['MYLOG_URL'])).toEqual({});
  });
});

describe('config vars per attachment', () => {
  it("replaces the prefix with the attachment's name, as Heroku does", () => {
    const config = { MYLOG_URL: 'https://x', MYLOG_TOKEN: 't' };
    expect(attachmentConfigVars('MYLOG', 'MYLOG', config)).toEqual(config);
    expect(attachmentConfigVars('MYLOG', 'AUDIT_LOG', config)).toEqual({ AUDIT_LOG_URL: 'https://x', AUDIT_LOG_TOKEN: 't' });
    expect(attachmentConfigVarNames('MYLOG', 'MYLOG_AMBER', config)).toEqual(['MYLOG_AMBER_URL', 'MYLOG_AMBER_TOKEN']);
  });

  it('names the first attachment by the prefix, further ones by colour', () => {
    expect(partnerAttachmentName('MYLOG', new Set(['DATABASE']))).toBe('MYLOG');
    expect(partnerAttachmentName('MYLOG', new Set(['MYLOG']))).toBe('MYLOG_AMBER');
    expect(partnerAttachmentName('MYLOG', new Set(['MYLOG', 'MYLOG_AMBER']))).toBe('MYLOG_BLACK');
  });
});

describe('single sign-on', () => {
  it("signs sha1(resource_id:salt:timestamp) and sends Heroku's fields", () => {
    const expected = createHash('sha1').update('u-1:salty-salt:1700000000').digest('hex');
    expect(ssoToken('u-1', 'salty-salt', 1700000000)).toBe(expected);
    const params = ssoParams({ resourceId: 'u-1', salt: 'salty-salt', timestamp: 1700000000, email: 'a@example.com', userId: 'user-1', app: 'shop', addon: 'mylog-quiet-1' });
    expect(params).toMatchObject({ resource_id: 'u-1', resource_token: expected, timestamp: '1700000000', email: 'a@example.com', app: 'shop' });
    expect(JSON.parse(Buffer.from(params['nav-data']!, 'base64').toString())).toEqual({ app: 'shop', addon: 'mylog-quiet-1' });
  });

  it('posts the form to the sso_url with every field escaped', () => {
    const page = ssoFormPage('https://partner.example/sso?a=1&b=2', { email: '"x"@example.com' });
    expect(page).toContain('method="post" action="https://partner.example/sso?a=1&#38;b=2"');
    expect(page).toContain('name="email" value="&#34;x&#34;@example.com"');
  });
});
