import { describe, expect, it } from 'vitest';
import { ADDON_SERVICES, addonPlanPackages, addonPlanStack, addonService } from '../../common/addons.js';
import { addonPlanJson } from '../http/addon-representations.js';
import { parseVolumeUsage } from '../../agent/addon-spec.js';
import { planUsage } from '../addons/plan-usage.js';
import { planServerSettings } from './addon-plans.js';
import { parsePlanCatalogue, UNLIMITED_CATALOGUE } from './catalogue.js';

const FILE = `
default: free
plans:
  - name: free
addons:
  postgresql:
    - name: tiny
      memory_mb: 128
      cpus: 0.25
      max_connections: 7
      storage_mb: 64
      backup_retention: 1
      price_cents: 100
      default: true
    - name: large
      memory_mb: 2048
      cpus: 2
      max_connections: 300
      storage_mb: 51200
      backup_retention: 14
`;

describe('the provider’s add-on plans (the plans file’s `addons:`)', () => {
  it('replaces the plans of the services it names and keeps the built-in ones of the others', () => {
    const { addonServices } = parsePlanCatalogue(FILE, 'plans.yaml');
    const pg = addonServices.find((s) => s.name === 'postgresql')!;
    expect(pg.plans.map((p) => p.name)).toEqual(['postgresql:tiny', 'postgresql:large']);
    expect(pg.plans[0]).toMatchObject({ short: 'tiny', memoryMb: 128, cpus: 0.25, maxConnections: 7, storageMb: 64, backupRetention: 1, priceCents: 100, default: true, maxMemoryMb: null });
    expect(pg.plans[1]).toMatchObject({ default: false, priceCents: 0, backupRetention: 14 });
    expect(pg.configVar).toBe('DATABASE_URL');
    expect(addonServices.find((s) => s.name === 'redis')).toBe(ADDON_SERVICES.find((s) => s.name === 'redis'));
    // without the section, or without a file: the built-in plans
    expect(parsePlanCatalogue('default: free\nplans:\n  - name: free\n', 'p.yaml').addonServices).toBe(ADDON_SERVICES);
    expect(UNLIMITED_CATALOGUE.addonServices).toBe(ADDON_SERVICES);
  });

  it('names the file and the field that is wrong', () => {
    const bad = (addons: string) => () => parsePlanCatalogue(`default: free\nplans:\n  - name: free\naddons:\n${addons}`, 'p.yaml');
    expect(bad('  postgresql:\n    - name: a\n      memory_mb: 128\n      cpus: 1\n      storage_mb: 10\n      default: true\n')).toThrow(/^p\.yaml: addons\.postgresql\[0\]\.max_connections: /);
    expect(bad('  postgresql:\n    - name: a\n      memory_mb: 128\n      cpus: 1\n      max_connections: 5\n      storage_mb: 10\n')).toThrow(/exactly one plan is the default/);
    expect(bad('  mysql:\n    - name: a\n')).toThrow(/^p\.yaml: addons: .*mysql/);
    expect(bad('  redis:\n    - name: a\n      memory_mb: 64\n      cpus: 1\n      max_connections: 5\n      storage_mb: 10\n      maxmemory_mb: 64\n      default: true\n')).toThrow(/maxmemory_mb must be below memory_mb/);
  });

  it('takes a PostgreSQL plan’s major version and any plan’s stack, refusing what the platform cannot build', () => {
    const plan = (fields: string) => `    - name: a\n      memory_mb: 128\n      cpus: 1\n      max_connections: 5\n      storage_mb: 10\n      default: true\n${fields}`;
    const parse = (addons: string) => parsePlanCatalogue(`default: free\nplans:\n  - name: free\naddons:\n${addons}`, 'p.yaml').addonServices;
    const services = parse(`  postgresql:\n${plan('      version: "15"\n      stack: bookworm\n')}  redis:\n${plan('      stack: trixie\n')}`);
    const pg = addonService('postgresql', services)!;
    const redis = addonService('redis', services)!;
    expect(pg.plans[0]).toMatchObject({ version: '15', stack: 'bookworm' });
    expect(redis.plans[0]).toMatchObject({ stack: 'trixie' });
    expect(redis.plans[0]!.version).toBeUndefined();
    // shown in the plan's JSON (addons:plans); absent when the plan names neither
    expect(addonPlanJson(pg, pg.plans[0]!)).toMatchObject({ version: '15', stack: 'bookworm' });
    const builtin = addonService('postgresql')!;
    expect(addonPlanJson(builtin, builtin.plans[0]!)).not.toHaveProperty('version');
    expect(addonPlanJson(builtin, builtin.plans[0]!)).not.toHaveProperty('stack');

    expect(() => parse(`  redis:\n${plan('      version: "7"\n')}`)).toThrow(/^p\.yaml: addons\.redis\[0\]\.version: only PostgreSQL plans name a version/);
    expect(() => parse(`  postgresql:\n${plan('      stack: buster\n')}`)).toThrow(/addons\.postgresql\[0\]\.stack: one of the platform's stacks: bookworm, trixie/);
    expect(() => parse(`  postgresql:\n${plan('      version: "15.4"\n')}`)).toThrow(/addons\.postgresql\[0\]\.version: a PostgreSQL major version/);
    expect(() => parse(`  postgresql:\n${plan('      version: 15\n')}`)).toThrow(/addons\.postgresql\[0\]\.version/);
  });

  it('installs a plan’s version’s server and client, or the service’s packages; on its stack or the default', () => {
    const pg = addonService('postgresql')!;
    const redis = addonService('redis')!;
    expect(addonPlanPackages(pg, { version: '15' })).toEqual(['postgresql-15', 'postgresql-client-15']);
    expect(addonPlanPackages(pg, {})).toEqual(['postgresql']);
    expect(addonPlanPackages(redis, {})).toEqual(['redis-server']);
    expect(addonPlanStack({ stack: 'trixie' }, 'bookworm')).toBe('trixie');
    expect(addonPlanStack({}, 'bookworm')).toBe('bookworm');
  });

  it('gives the server its plan’s max connections and Redis maxmemory', () => {
    expect(planServerSettings({ maxConnections: 7, maxMemoryMb: null })).toEqual({ ADDON_MAX_CONNECTIONS: '7' });
    expect(planServerSettings({ maxConnections: 50, maxMemoryMb: 96 })).toEqual({ ADDON_MAX_CONNECTIONS: '50', ADDON_MAXMEMORY: '96mb' });
  });

  it('reports the volume’s measured use against the plan’s storage', () => {
    expect(parseVolumeUsage('du: cannot read directory \'/app/x\': Permission denied\n41236\t/app\n')).toBe(41236 * 1024);
    expect(parseVolumeUsage('du: cannot access')).toBeNull();
    expect(planUsage({ service: 'postgresql', plan: 'postgresql:mini' }, { storageBytes: 2048 }, ADDON_SERVICES)).toEqual({ storage_used_bytes: 2048, storage_limit_mb: 1024, max_connections: 20 });
    expect(planUsage({ service: 'postgresql', plan: 'postgresql:gone' }, {}, ADDON_SERVICES)).toEqual({ storage_used_bytes: null, storage_limit_mb: null, max_connections: null });
  });
});
