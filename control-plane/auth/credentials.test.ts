import { describe, expect, it } from 'vitest';
import { credentialsFromHeader } from './credentials.js';

describe('request credentials', () => {
  it('reads Bearer and Basic (token as password, any user) credentials', () => {
    expect(credentialsFromHeader('Bearer abc')).toBe('abc');
    const basic = Buffer.from('anyone:the-token').toString('base64');
    expect(credentialsFromHeader(`Basic ${basic}`)).toBe('the-token');
    expect(credentialsFromHeader('Digest x')).toBeNull();
    expect(credentialsFromHeader(undefined)).toBeNull();
  });
});
