// A control plane that stopped while a partner's provisioning call was out leaves a record
// waiting for an answer nobody will write. The sweep undoes it (at the partner too) once its
// deadline is well past, and leaves alone those still in time and those already answered.
// Real Redis and the real stores; the partner is a scripted client behind its interface.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger.js';
import { useTestRedis } from '../../test/support/redis.js';
import { AddonStore, type AddonRecord } from '../store/addons.js';
import type { PartnerClient } from './client.js';
import { partnerManifest } from './manifest.js';
import type { PartnerRequest } from './partner-calls.js';
import { PartnerAddons } from './service.js';
import { PartnerOAuth } from './oauth-service.js';
import { PartnerOAuthStore } from './oauth-store.js';
import { PartnerServiceStore } from './store.js';

const redis = useTestRedis();

const manifest = partnerManifest.parse({
  id: 'sweeplog',
  name: 'Sweep Log',
  api: {
    config_vars: ['SWEEPLOG_URL'],
    password: 'partner-password-1',
    sso_salt: 'sso-salt-123456',
    regions: ['us'],
    requires: [],
    production: { base_url: 'http://127.0.0.1:9/partner', sso_url: 'http://127.0.0.1:9/sso' },
    version: '3',
  },
  plans: [{ name: 'test', price_cents: 0, default: true }],
});

function setup() {
  const calls: PartnerRequest[] = [];
  const client: PartnerClient = {
    send: async (_endpoint, call) => {
      calls.push(call);
      return { kind: 'answered', status: 204, body: null };
    },
  };
  const store = new AddonStore(redis());
  const services = new PartnerServiceStore(redis());
  const tokens = new PartnerOAuthStore(redis());
  const partner = new PartnerAddons({
    store,
    services,
    client,
    retry: { attempts: 1, baseDelayMs: 1 },
    releaser: { changeConfig: async () => { throw new Error('no release expected'); } },
    logger: silentLogger(),
    apiUrl: () => 'http://127.0.0.1:1',
    callTimeoutMs: 30_000,
    oauth: new PartnerOAuth({ tokens, services, addons: store, lifetimes: { grantMs: 300_000, accessMs: 28_800_000 }, logger: silentLogger() }),
  });
  return { calls, store, services, partner, tokens };
}

/** Letters only, one for one from the id's first 12 hex digits (digits become G–P): three add-ons
 *  on one app never share an attachment name, as four characters with every digit an X did. */
const attachmentSuffix = (id: string) => id.replace(/-/g, '').slice(0, 12).toUpperCase().replace(/[0-9]/g, (digit) => String.fromCharCode(71 + Number(digit)));

async function leftBehind(store: AddonStore, services: PartnerServiceStore, answerDueBy: string | undefined, state: AddonRecord['state'] = 'provisioning') {
  const at = new Date().toISOString();
  const addon: AddonRecord = {
    id: randomUUID(),
    name: `sweeplog-quiet-${Math.floor(Math.random() * 90000) + 10000}`,
    service: manifest.id,
    plan: `${manifest.id}:test`,
    appId: 'app-1',
    hostId: '',
    address: '',
    port: null,
    image: { repository: '', digest: '' },
    credentials: { user: '', password: '', database: '' },
    state,
    partner: { providerId: null, config: {}, configVarPrefix: 'SWEEPLOG', configVars: ['SWEEPLOG_URL'], priceCents: 0, region: 'us', ...(answerDueBy ? { answerDueBy } : {}) },
    createdAt: at,
    updatedAt: at,
  };
  expect(await store.create(addon)).toBe(true);
  await services.track(manifest.id, addon.id);
  expect(await store.attach({ id: randomUUID(), addonId: addon.id, appId: 'app-1', name: `SWEEPLOG_${attachmentSuffix(addon.id)}`, createdAt: at })).toBe(true);
  return addon;
}

describe('sweeping partner add-ons left mid-provisioning', () => {
  it('deprovisions and removes one whose call is long past due, keeps one still in time and one answered', async () => {
    const { calls, store, services, partner, tokens } = setup();
    await services.create({ manifest, createdAt: new Date().toISOString() });
    const now = Date.now();
    const stale = await leftBehind(store, services, new Date(now - 1_000).toISOString());
    // the partner of the stale one got its grant: the sweep revokes it with the add-on
    const grant = await partner.oauth.grant({ addonId: stale.id, serviceId: manifest.id });
    expect(await tokens.peekGrant(grant.code)).not.toBeNull();
    const inTime = await leftBehind(store, services, new Date(now + 60_000).toISOString());
    const answered = await leftBehind(store, services, undefined, 'provisioned');

    expect(await partner.sweepUnfinished(now)).toBe(1);
    expect(calls).toEqual([expect.objectContaining({ method: 'DELETE', path: `/${stale.id}` })]);
    expect(await store.get(stale.id)).toBeNull();
    expect(await store.attachmentsOf(stale.id)).toEqual([]);
    expect(await services.trackedAddons(manifest.id)).not.toContain(stale.id);
    expect(await tokens.peekGrant(grant.code)).toBeNull();
    expect(await store.get(inTime.id)).not.toBeNull();
    expect(await store.get(answered.id)).not.toBeNull();

    // later, the other one's deadline has passed too
    expect(await partner.sweepUnfinished(now + 120_000)).toBe(1);
    expect(await store.get(inTime.id)).toBeNull();
    expect(await store.get(answered.id)).not.toBeNull();
  });

  it('forgets tracked ids whose record is gone', async () => {
    const { services, partner, calls } = setup();
    await services.track(manifest.id, randomUUID());
    const before = (await services.trackedAddons(manifest.id)).length;
    await partner.sweepUnfinished();
    expect((await services.trackedAddons(manifest.id)).length).toBe(before - 1);
    expect(calls).toEqual([]);
  });
});
