import { describe, expect, it } from 'vitest';
import { passwordProblem } from './passwords.js';
import { normalEmail, signupRefusal } from './service.js';

describe('signupRefusal', () => {
  it('open takes anyone; closed nobody; invite only the invited email', () => {
    expect(signupRefusal('open', null, 'a@b.co')).toBeNull();
    expect(signupRefusal('closed', 'a@b.co', 'a@b.co')?.id).toBe('signup_closed');
    expect(signupRefusal('invite', null, 'a@b.co')?.id).toBe('invitation_required');
    expect(signupRefusal('invite', 'c@b.co', 'a@b.co')?.id).toBe('invitation_required');
    expect(signupRefusal('invite', 'a@b.co', 'a@b.co')).toBeNull();
  });
});

describe('passwordProblem', () => {
  it('asks for length, not character classes, and not the email', () => {
    expect(passwordProblem('123456789', 'a@b.co')).toMatch(/at least 10/);
    expect(passwordProblem('correct horse', 'a@b.co')).toBeNull();
    expect(passwordProblem('x'.repeat(257), 'a@b.co')).toMatch(/at most 256/);
    expect(passwordProblem('Long@Example.com', 'long@example.com')).toMatch(/email/);
  });
});

it('normalEmail trims and lower-cases', () => {
  expect(normalEmail('  Ada@Example.COM ')).toBe('ada@example.com');
});
