import { describe, expect, it } from 'vitest';
import type { AddonAttachmentJson, AddonJson } from '../../common/api-shapes.js';
import { addonInfo, addonInfoLines, addonTable } from './addons.js';

const at = '2026-12-05T00:00:00.000Z';
const addon = (name: string, owner: string): AddonJson => ({
  id: `id-${name}`,
  name,
  addon_service: { id: 's', name: 'postgresql' },
  plan: { id: 'p', name: 'postgresql:mini', price: { cents: 500, contract: false, unit: 'month' } },
  app: { id: `app-${owner}`, name: owner },
  config_vars: ['DATABASE_URL'],
  state: 'provisioned',
  billed_price: { cents: 500, contract: false, unit: 'month' },
  actions: [],
  provider_id: `id-${name}`,
  web_url: null,
  created_at: at,
  updated_at: at,
});
const attachment = (name: string, addonName: string, owner: string, app: string): AddonAttachmentJson => ({
  id: `att-${name}`,
  name,
  addon: { id: `id-${addonName}`, name: addonName, app: { id: `app-${owner}`, name: owner } },
  app: { id: `app-${app}`, name: app },
  namespace: null,
  web_url: null,
  log_input_url: null,
  created_at: at,
  updated_at: at,
});

describe('addon output', () => {
  it('lists the app’s add-ons with the names they are attached as, shared ones marked', () => {
    const own = addon('postgresql-quiet-12345', 'shop');
    const shared = addon('postgresql-deep-54321', 'warehouse');
    expect(addonTable('shop', [own, shared], [attachment('DATABASE', own.name, 'shop', 'shop'), attachment('HEROKU_POSTGRESQL_AMBER', shared.name, 'warehouse', 'shop')])).toEqual([
      'ADD-ON                  PLAN             OWNING APP          AS                           STATE',
      '----------------------  ---------------  ------------------  ---------------------------  -----------',
      'postgresql-quiet-12345  postgresql:mini  shop                DATABASE_URL                 provisioned',
      'postgresql-deep-54321   postgresql:mini  warehouse (shared)  HEROKU_POSTGRESQL_AMBER_URL  provisioned',
    ]);
  });

  it('shows one add-on with its attachments', () => {
    const own = addon('postgresql-quiet-12345', 'shop');
    expect(addonInfo(own, [attachment('DATABASE', own.name, 'shop', 'shop')])).toEqual([
      '=== postgresql-quiet-12345',
      'Attachments:  shop::DATABASE',
      `Installed at: ${at}`,
      'Owning app:   shop',
      'Plan:         postgresql:mini',
      'Price:        $5.00/month',
      'State:        provisioned',
    ]);
  });
});

describe('pg:info and redis:info', () => {
  it('prints what the server says under its attachment names', () => {
    const lines = addonInfoLines(
      { addon: { id: 'a1', name: 'postgresql-quiet-12345' }, service: 'postgresql', plan: 'postgresql:mini', version: '15.8', data_size_bytes: 7_654_321, connections: 2, tables: 3, keys: null },
      ['DATABASE_URL'],
    );
    expect(lines[0]).toBe('=== DATABASE_URL');
    expect(lines.join('\n')).toMatch(/PG Version:\s+15\.8/);
    expect(lines.join('\n')).toMatch(/Data Size:\s+7\.3 MB/);
    expect(lines.join('\n')).toMatch(/Tables:\s+3/);
    const measured = addonInfoLines(
      { addon: { id: 'a1', name: 'postgresql-quiet-12345' }, service: 'postgresql', plan: 'postgresql:mini', version: '15.8', data_size_bytes: 7_654_321, connections: 2, tables: 3, keys: null, storage_used_bytes: 256 * 1024 * 1024, storage_limit_mb: 1024, max_connections: 20 },
      ['DATABASE_URL'],
    ).join('\n');
    expect(measured).toMatch(/Connections:\s+2\/20/);
    expect(measured).toMatch(/Data Size:\s+7\.3 MB of 1024 MB \(1%\)/);
    expect(measured).toMatch(/Storage:\s+256\.0 MB on its volume \(WAL included\)/);
    expect(measured).toMatch(/Status:\s+Available/);
    expect(measured).not.toMatch(/Write Access/);
    const restricted = addonInfoLines(
      { addon: { id: 'a1', name: 'postgresql-quiet-12345' }, service: 'postgresql', plan: 'postgresql:tiny', version: '15.8', data_size_bytes: 11 * 1024 * 1024, connections: 1, tables: 1, keys: null, storage_limit_mb: 10, write_access: 'revoked', write_access_changed_at: '2026-12-06T02:00:00.000Z' },
      ['DATABASE_URL'],
    ).join('\n');
    expect(restricted).toMatch(/Status:\s+Over Plan Capacity: Access Restricted/);
    expect(restricted).toMatch(/Data Size:\s+11\.0 MB of 10 MB \(110%\)/);
    expect(restricted).toMatch(/Write Access:\s+revoked since 2026-12-06T02:00:00\.000Z: INSERT, UPDATE and CREATE refused/);
    const redis = addonInfoLines({ addon: { id: 'a2', name: 'redis-solid-54321' }, service: 'redis', plan: 'redis:mini', version: '7.0.15', data_size_bytes: 1_048_576, connections: 1, tables: null, keys: 4, storage_used_bytes: 64 * 1024 * 1024, storage_limit_mb: 256 }, []);
    expect(redis.join('\n')).toMatch(/Storage:\s+64\.0 MB of 256 MB \(25%\)/);
    expect(redis[0]).toBe('=== redis-solid-54321');
    expect(redis.join('\n')).toMatch(/Keys:\s+4/);
  });
});
