import { describe, expect, it } from 'vitest';
import { restoreBelowMb, storageDecision, storageEvent } from './storage-limit.js';

const MIB = 1024 * 1024;

describe('storageDecision', () => {
  it('revokes once the database is over its plan, whatever it had', () => {
    expect(storageDecision('granted', 10 * MIB + 1, 10)).toBe('revoked');
    expect(storageDecision('revoked', 11 * MIB, 10)).toBe('revoked');
  });

  it('keeps write access up to the limit itself', () => {
    expect(storageDecision('granted', 10 * MIB, 10)).toBe('granted');
    expect(storageDecision('granted', 0, 10)).toBe('granted');
  });

  it('gives it back only under 90% of the limit (no flapping at the edge)', () => {
    expect(restoreBelowMb(10)).toBe(9);
    expect(storageDecision('revoked', 9.5 * MIB, 10)).toBe('revoked');
    expect(storageDecision('revoked', 9 * MIB, 10)).toBe('revoked');
    expect(storageDecision('revoked', 9 * MIB - 1, 10)).toBe('granted');
  });

  it('gives it back at once when a larger plan makes room', () => {
    expect(storageDecision('revoked', 11 * MIB, 1024)).toBe('granted');
  });
});

describe('storageEvent', () => {
  it('says what happened, how much there is and how to get back', () => {
    const addon = { name: 'postgresql-quiet-12345', plan: 'postgresql:tiny' };
    expect(storageEvent('revoked', addon, 11.25 * MIB, 10)).toBe(
      'postgresql-quiet-12345 is over its plan capacity: it holds 11.3 MB, postgresql:tiny holds 10 MB. Write access revoked (INSERT, UPDATE and CREATE refused; reads, DELETE and TRUNCATE work) until it holds under 9 MB: delete data and VACUUM, or upgrade the plan',
    );
    expect(storageEvent('granted', addon, 8 * MIB, 10)).toBe('postgresql-quiet-12345 is within its plan capacity again (8.0 MB of 10 MB, postgresql:tiny): write access restored');
  });
});
