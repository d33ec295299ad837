import { describe, expect, it } from 'vitest';
import { addonAvailability, drainRefusal } from './addon-holdings.js';

describe('hosts holding add-ons', () => {
  const addons = [
    { name: 'redis-solid-33333', hostId: 'h1' },
    { name: 'postgresql-quiet-12345', hostId: 'h1' },
    { name: 'postgresql-deep-11111', hostId: 'h2' },
  ];

  it('refuses to drain a host holding add-ons with a 409 naming them, unless forced', () => {
    const refusal = drainRefusal('h1', addons, false);
    expect(refusal).toMatchObject({ id: 'host_holds_addons', status: 409 });
    expect(refusal!.message).toContain('add-ons postgresql-quiet-12345, redis-solid-33333');
    expect(refusal!.message).not.toContain('postgresql-deep-11111');
    expect(drainRefusal('h1', addons, true)).toBeNull();
    expect(drainRefusal('h3', addons, false)).toBeNull();
    expect(refusal!.message).toContain('addons:move');
  });

  it('no longer refuses once every add-on on the host has been moved (its records name another host)', () => {
    const moved = addons.map((addon) => (addon.hostId === 'h1' ? { ...addon, hostId: 'h2' } : addon));
    expect(drainRefusal('h1', moved, false)).toBeNull();
    expect(drainRefusal('h2', moved, false)!.message).toContain('postgresql-deep-11111, postgresql-quiet-12345, redis-solid-33333');
  });

  it('calls an add-on unavailable while its host is down or gone, never moved', () => {
    expect(addonAvailability('h1', { state: 'up' })).toEqual({ available: true });
    expect(addonAvailability('h1', { state: 'draining' })).toEqual({ available: true });
    expect(addonAvailability('h1', { state: 'down' })).toEqual({ available: false, reason: expect.stringContaining('h1 is down') });
    expect(addonAvailability('h1', null)).toEqual({ available: false, reason: expect.stringContaining('h1 was removed') });
  });
});
