import { describe, expect, it } from 'vitest';
import { hashSecret } from '../../common/api-token.js';
import { accessRefusal, bearerOf, exchangeRefusal, grantFor, tokenAnswer, tokenRequest } from './oauth.js';

const scope = { addonId: 'a-1', serviceId: 'mylog' };
const lifetimes = { grantMs: 300_000, accessMs: 28_800_000 };
const now = Date.parse('2026-01-01T00:00:00Z');

describe('partner OAuth decisions', () => {
  it("makes Heroku's oauth_grant: a fresh code, 5 minutes, authorization_code", () => {
    const one = grantFor(scope, now, lifetimes);
    expect(one.json).toEqual({ code: one.code, expires_at: '2026-01-01T00:05:00.000Z', type: 'authorization_code' });
    expect(one.record).toEqual({ ...scope, expiresAt: '2026-01-01T00:05:00.000Z' });
    expect(one.code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(grantFor(scope, now, lifetimes).code).not.toBe(one.code);
  });

  it('takes a grant code or a refresh token with a client secret, nothing else', () => {
    expect(tokenRequest.safeParse({ grant_type: 'authorization_code', code: 'c', client_secret: 's' }).success).toBe(true);
    expect(tokenRequest.safeParse({ grant_type: 'refresh_token', refresh_token: 'r', client_secret: 's' }).success).toBe(true);
    expect(tokenRequest.safeParse({ grant_type: 'authorization_code', code: 'c' }).success).toBe(false);
    expect(tokenRequest.safeParse({ grant_type: 'refresh_token', code: 'c', client_secret: 's' }).success).toBe(false);
    expect(tokenRequest.safeParse({ grant_type: 'client_credentials', client_secret: 's' }).success).toBe(false);
  });

  it('refuses an unknown, expired or reused code and a wrong secret, in that order', () => {
    const secretHash = hashSecret('right');
    const grant = { ...scope, expiresAt: new Date(now + 1000).toISOString() };
    const judge = (over: Partial<Parameters<typeof exchangeRefusal>[0]>) => exchangeRefusal({ kind: 'code', scope: grant, reused: false, secretHash, clientSecret: 'right', now, ...over });
    expect(judge({})).toBeNull();
    expect(judge({ scope: null })).toMatchObject({ status: 401, id: 'unauthorized', message: 'Invalid grant code: it is unknown, expired or revoked.' });
    expect(judge({ scope: null, reused: true })?.message).toContain('exchanged already');
    expect(judge({ now: now + 1000 })?.message).toBe('Invalid grant code: it is unknown, expired or revoked.');
    expect(judge({ clientSecret: 'wrong' })).toMatchObject({ status: 401, message: 'Invalid client secret.' });
    // a service registered before grants existed has no secret: nothing matches until one is rotated in
    expect(judge({ secretHash: undefined })?.message).toBe('Invalid client secret.');
    expect(exchangeRefusal({ kind: 'refresh', scope, reused: false, secretHash, clientSecret: 'right', now })).toBeNull();
    expect(exchangeRefusal({ kind: 'refresh', scope: null, reused: false, secretHash, clientSecret: 'right', now })?.message).toBe('Invalid refresh token: it is unknown, expired or revoked.');
  });

  it('lets an access token act on its own add-on only, until it expires', () => {
    const token = { ...scope, expiresAt: new Date(now + 1000).toISOString() };
    expect(accessRefusal(token, 'a-1', now)).toBeNull();
    expect(accessRefusal(token, 'a-2', now)).toMatchObject({ status: 403, id: 'forbidden' });
    expect(accessRefusal(token, 'a-1', now + 1000)).toMatchObject({ status: 401, message: 'Invalid credentials provided.' });
    expect(accessRefusal(null, 'a-1', now)).toMatchObject({ status: 401 });
  });

  it('reads a Bearer header and answers in OAuth’s shape', () => {
    expect(bearerOf('Bearer abc')).toBe('abc');
    expect(bearerOf('bearer  abc')).toBe('abc');
    expect(bearerOf('Basic abc')).toBeNull();
    expect(bearerOf(undefined)).toBeNull();
    expect(tokenAnswer('at', 'rt', lifetimes)).toEqual({ access_token: 'at', refresh_token: 'rt', expires_in: 28_800, token_type: 'Bearer' });
  });
});
