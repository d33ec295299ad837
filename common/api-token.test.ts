import { describe, expect, it } from 'vitest';
import { issueToken, parseToken, secretMatches } from './api-token.js';

describe('API tokens', () => {
  it('issues unique tokens whose secret is stored only as a hash', () => {
    const a = issueToken();
    const b = issueToken();
    expect(a.token).not.toBe(b.token);
    expect(a.token).toMatch(/^slw_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.token).not.toContain(a.hash);
  });

  it('parses a token and verifies its secret against the hash', () => {
    const issued = issueToken();
    const parsed = parseToken(issued.token);
    expect(parsed?.id).toBe(issued.id);
    expect(secretMatches(parsed!.secret, issued.hash)).toBe(true);
    expect(secretMatches(parsed!.secret.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')), issued.hash)).toBe(false);
  });

  it('rejects malformed tokens', () => {
    expect(parseToken('')).toBeNull();
    expect(parseToken('slw_short_x')).toBeNull();
    expect(parseToken(`${issueToken().token}x`)).toBeNull();
  });
});
