// The add-on manifest's checks: Heroku's fields, Slipway's plans, and a 422 naming the field.
import { describe, expect, it } from 'vitest';
import { configVarPrefix, partnerManifest, partnerPlan } from './manifest.js';

const MANIFEST = {
  id: 'mylog',
  name: 'My Log',
  api: {
    config_vars: ['MYLOG_URL', 'MYLOG_TOKEN'],
    password: 'partner-password-1',
    sso_salt: 'sso-salt-123456',
    regions: ['us'],
    requires: [],
    production: { base_url: 'https://partner.example/heroku/resources', sso_url: 'https://partner.example/sso/login' },
    version: '3',
  },
  plans: [
    { name: 'test', price_cents: 0 },
    { name: 'pro', price_cents: 2500, default: true },
  ],
};

const problems = (value: unknown) => {
  const result = partnerManifest.safeParse(value);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('add-on manifest', () => {
  it('takes a Heroku manifest with plans', () => {
    const manifest = partnerManifest.parse(MANIFEST);
    expect(configVarPrefix(manifest)).toBe('MYLOG');
    expect(partnerPlan(manifest, undefined)?.name).toBe('pro');
    expect(partnerPlan(manifest, 'TEST')?.name).toBe('test');
    expect(partnerPlan(manifest, 'gold')).toBeNull();
  });

  it('names each bad field', () => {
    expect(problems({ ...MANIFEST, id: 'My Log' })[0]).toMatch(/^id: /);
    expect(problems({ ...MANIFEST, api: { ...MANIFEST.api, version: '1' } })[0]).toMatch(/^api\.version: /);
    expect(problems({ ...MANIFEST, api: { ...MANIFEST.api, production: { ...MANIFEST.api.production, base_url: 'ftp://x' } } })[0]).toMatch(/^api\.production\.base_url: /);
    expect(problems({ ...MANIFEST, api: { ...MANIFEST.api, config_vars: ['OTHER_URL'] } })).toEqual(['api.config_vars.0: must start with MYLOG_ (the id, or api.config_vars_prefix)']);
    expect(problems({ ...MANIFEST, plans: [] })[0]).toMatch(/^plans: /);
    expect(problems({ ...MANIFEST, id: 'postgres' })[0]).toBe('id: is a built-in add-on service');
  });

  it('takes another prefix when the manifest names one', () => {
    const manifest = partnerManifest.parse({ ...MANIFEST, api: { ...MANIFEST.api, config_vars_prefix: 'LOGS', config_vars: ['LOGS_URL'] } });
    expect(configVarPrefix(manifest)).toBe('LOGS');
  });
});
