import { describe, expect, it } from 'vitest';
import { addonService, attachmentName, resolvePlan } from '../../common/addons.js';
import type { Host } from '../../common/types.js';
import { addonName, addonUrl, generateCredentials, placeAddon, serverEnv } from './plan.js';

const host = (id: string, state: Host['state'], memoryMb: number): Host => ({
  id,
  provider: 'local',
  state,
  address: '10.0.0.1',
  capacity: { memoryMb, cpus: 2 },
  lastHeartbeat: null,
  createdAt: '2026-12-05T00:00:00Z',
});

describe('add-on decisions', () => {
  it('places an add-on on the up host with the most memory, ties by id, none when no host is up', () => {
    expect(placeAddon([host('b', 'up', 4096), host('a', 'up', 4096), host('c', 'up', 2048)])?.id).toBe('a');
    expect(placeAddon([host('big', 'draining', 8192), host('small', 'up', 1024)])?.id).toBe('small');
    expect(placeAddon([host('x', 'down', 4096)])).toBeNull();
  });

  it('resolves plans by Heroku’s and Slipway’s names, the default plan when none is named', () => {
    expect(resolvePlan('heroku-postgresql')).toMatchObject({ plan: { name: 'postgresql:mini' } });
    expect(resolvePlan('postgres:STANDARD')).toMatchObject({ plan: { name: 'postgresql:standard' } });
    expect(resolvePlan('heroku-redis:premium')).toMatchObject({ plan: { name: 'redis:premium', memoryMb: 512 } });
    expect(resolvePlan('mysql')).toEqual({ error: expect.stringContaining('postgresql, redis') });
    expect(resolvePlan('redis:huge')).toEqual({ error: expect.stringContaining('mini, premium') });
    expect(resolvePlan('redis:mini:extra')).toHaveProperty('error');
  });

  it('names attachments DATABASE first, then Heroku’s colours', () => {
    const pg = addonService('postgresql')!;
    expect(attachmentName(pg, new Set())).toBe('DATABASE');
    expect(attachmentName(pg, new Set(['DATABASE']))).toBe('HEROKU_POSTGRESQL_AMBER');
    expect(attachmentName(pg, new Set(['DATABASE', 'HEROKU_POSTGRESQL_AMBER']))).toBe('HEROKU_POSTGRESQL_BLACK');
    expect(attachmentName(addonService('redis')!, new Set())).toBe('REDIS');
  });

  it('makes URLs naming the add-on, with the password escaped', () => {
    const credentials = { user: 'uabc', password: 'p/w+d=', database: 'dabc' };
    expect(addonUrl('postgresql', credentials, 'postgresql-quiet-12345', 5433)).toBe('postgres://uabc:p%2Fw%2Bd%3D@postgresql-quiet-12345:5433/dabc');
    expect(addonUrl('redis', credentials, 'redis-solid-54321', 6380)).toBe('redis://:p%2Fw%2Bd%3D@redis-solid-54321:6380');
    expect(serverEnv('redis', credentials)).toEqual({ ADDON_PASSWORD: 'p/w+d=' });
  });

  it('generates fresh, unguessable credentials and Heroku-style names', () => {
    const a = generateCredentials();
    const b = generateCredentials();
    expect(a.password).toHaveLength(32);
    expect(a.password).not.toBe(b.password);
    expect(a.user).toMatch(/^u[a-z][0-9a-f]{14}$/);
    expect(a.database).toMatch(/^d[a-z][0-9a-f]{14}$/);
    expect(addonName('redis', () => 0)).toBe('redis-amber-10000');
  });
});
