import { describe, expect, it } from 'vitest';
import { auditPath } from './audit.js';

describe('slipway audit', () => {
  it('names the log the options choose, one at a time', () => {
    expect(auditPath({}, 50)).toBe('/account/audit-events?limit=50');
    expect(auditPath({ app: 'shop' }, 5)).toBe('/apps/shop/audit-events?limit=5');
    expect(auditPath({ user: 'a@b.co' }, 5)).toBe('/users/a%40b.co/audit-events?limit=5');
    expect(auditPath({ all: true }, 5)).toBe('/audit-events?limit=5');
    expect(() => auditPath({ app: 'shop', all: true }, 5)).toThrow(/Choose one/);
  });
});
