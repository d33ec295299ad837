// Add-ons and their attachments in Redis. An add-on is owned by one app and pinned to the host
// that holds its volume; its generated credentials are secrets (like config vars, never logged).
// An attachment sets `<name>_URL` on one app; names are unique per app, add-on names globally.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { AddonServiceName } from '../../common/addons.js';
import type { AddonLink } from '../../common/protocol.js';
import type { ImageRef } from '../../common/types.js';
import { keys } from './keys.js';

export interface AddonCredentials {
  user: string;
  password: string;
  database: string;
}

/** A third-party add-on's own facts (control-plane/partner-addons/): it runs at its partner, so
 *  its host, address, port, image and credentials are empty. */
export interface PartnerAddonFacts {
  /** the partner's own id for it, when it gave one */
  providerId: string | null;
  /** what the partner set, by the manifest's names (MYADDON_URL): secrets, like credentials */
  config: Record<string, string>;
  /** the manifest's config var prefix, which each attachment's name replaces */
  configVarPrefix: string;
  /** the manifest's config var names (what the add-on says it sets, before the partner has) */
  configVars: string[];
  priceCents: number;
  region: string;
  /** While the provisioning call is out: when its answer is due at the latest. A record still
   *  carrying it later was left by a control plane that stopped mid-call (swept and undone). */
  answerDueBy?: string;
}

export interface AddonRecord {
  id: string;
  /** 'postgresql-amber-12345' */
  name: string;
  /** a built-in service, or a registered partner's id */
  service: AddonServiceName | (string & {});
  /** 'postgresql:mini' */
  plan: string;
  appId: string;
  /** the host holding its volume: the add-on runs there and nowhere else */
  hostId: string;
  /** the host's private address and the published port its server answers on */
  address: string;
  port: number | null;
  image: ImageRef;
  credentials: AddonCredentials;
  state: 'provisioning' | 'provisioned';
  /** set on third-party add-ons only */
  partner?: PartnerAddonFacts;
  /** PostgreSQL: its write access against its plan's storage (addons/storage-enforcement.ts);
   *  absent until first checked */
  storage?: AddonStorageState;
  createdAt: string;
  updatedAt: string;
}

export interface AddonStorageState {
  writeAccess: 'granted' | 'revoked';
  /** when write access last changed */
  changedAt: string;
  /** the database's size then, and the plan's limit it was held against */
  usedBytes: number;
  limitMb: number;
}

export interface AddonAttachmentRecord {
  id: string;
  addonId: string;
  appId: string;
  /** DATABASE, HEROKU_POSTGRESQL_AMBER: the config var is `<name>_URL` */
  name: string;
  createdAt: string;
}

// Claims an add-on name and saves the record in one step.
const CREATE = `
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('SET', KEYS[2], ARGV[3])
redis.call('SADD', KEYS[3], ARGV[2])
return 1`;

// Adds an attachment unless the app has one of that name.
const ATTACH = `
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[3], ARGV[2])
return 1`;

// Replaces a record only if it is still exactly what was read (a compare-and-set).
const REPLACE_IF_SAME = `
local raw = redis.call('GET', KEYS[1])
if not raw then return -1 end
if raw ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1`;

const DELETE_IF_SAME = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export class AddonStore {
  constructor(private readonly redis: Redis) {}

  /** false when the name is taken. */
  async create(addon: AddonRecord): Promise<boolean> {
    const created = await this.redis.eval(CREATE, 3, keys.addonNames, keys.addon(addon.id), keys.appAddons(addon.appId), addon.name, addon.id, JSON.stringify(addon));
    return created === 1;
  }

  async save(addon: AddonRecord): Promise<void> {
    await this.redis.set(keys.addon(addon.id), JSON.stringify(addon));
  }

  /** Sets only the storage state, leaving whatever else changed meanwhile (a plan change, a
   *  rotation) as it is; the record as saved, or null when the add-on is gone. */
  async setStorage(id: string, storage: AddonStorageState): Promise<AddonRecord | null> {
    for (;;) {
      const raw = await this.redis.get(keys.addon(id));
      if (!raw) return null;
      const updated: AddonRecord = { ...(JSON.parse(raw) as AddonRecord), storage };
      const replaced = await this.redis.eval(REPLACE_IF_SAME, 1, keys.addon(id), raw, JSON.stringify(updated));
      if (replaced === 1) return updated;
      if (replaced === -1) return null;
    }
  }

  /** Claims the add-on for one move (a token), or null when a move holds it. The claim lapses
   *  after `ttlMs`, so a control plane that stopped mid-move does not block moves for ever. */
  async claimMove(id: string, ttlMs: number): Promise<string | null> {
    const token = randomUUID();
    return (await this.redis.set(keys.addonMoveLock(id), token, 'PX', ttlMs, 'NX')) === 'OK' ? token : null;
  }

  /** Gives a move's claim back, if it is still that move's. */
  async releaseMove(id: string, token: string): Promise<void> {
    await this.redis.eval(DELETE_IF_SAME, 1, keys.addonMoveLock(id), token);
  }

  async get(id: string): Promise<AddonRecord | null> {
    const raw = await this.redis.get(keys.addon(id));
    return raw ? (JSON.parse(raw) as AddonRecord) : null;
  }

  async byName(name: string): Promise<AddonRecord | null> {
    const id = await this.redis.hget(keys.addonNames, name);
    return id ? this.get(id) : null;
  }

  /** Every add-on on the platform (the operator's view: which hosts hold data). */
  async all(): Promise<AddonRecord[]> {
    const ids = await this.redis.hvals(keys.addonNames);
    return (await Promise.all(ids.map((id) => this.get(id)))).filter((a): a is AddonRecord => a !== null);
  }

  async ownedBy(appId: string): Promise<AddonRecord[]> {
    const ids = await this.redis.smembers(keys.appAddons(appId));
    const addons = await Promise.all(ids.map((id) => this.get(id)));
    return addons.filter((a): a is AddonRecord => a !== null).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async remove(addon: AddonRecord): Promise<void> {
    await this.redis.multi().del(keys.addon(addon.id), keys.addonAttachments(addon.id)).hdel(keys.addonNames, addon.name).srem(keys.appAddons(addon.appId), addon.id).exec();
  }

  async attachments(appId: string): Promise<AddonAttachmentRecord[]> {
    const raws = await this.redis.hvals(keys.appAddonAttachments(appId));
    return raws.map((raw) => JSON.parse(raw) as AddonAttachmentRecord).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name));
  }

  /** false when the app already has an attachment of that name. */
  async attach(attachment: AddonAttachmentRecord): Promise<boolean> {
    const json = JSON.stringify(attachment);
    return (await this.redis.eval(ATTACH, 2, keys.appAddonAttachments(attachment.appId), keys.addonAttachments(attachment.addonId), attachment.name, json, attachment.id)) === 1;
  }

  /** Every attachment of one add-on (on its own app and others). */
  async attachmentsOf(addonId: string): Promise<AddonAttachmentRecord[]> {
    const raws = await this.redis.hvals(keys.addonAttachments(addonId));
    return raws.map((raw) => JSON.parse(raw) as AddonAttachmentRecord).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** The add-ons an app's containers reach now (one per add-on, however many times attached). */
  async links(appId: string): Promise<AddonLink[]> {
    const ids = [...new Set((await this.attachments(appId)).map((attachment) => attachment.addonId))];
    // a partner's add-on runs elsewhere: no network for the app's containers to join
    const addons = (await Promise.all(ids.map((id) => this.get(id)))).filter((addon): addon is AddonRecord => addon !== null && !addon.partner);
    return addons.map(({ id, name, hostId, address }) => ({ addonId: id, name, hostId, address }));
  }

  async detach(attachment: AddonAttachmentRecord): Promise<void> {
    await this.redis.multi().hdel(keys.appAddonAttachments(attachment.appId), attachment.name).hdel(keys.addonAttachments(attachment.addonId), attachment.id).exec();
  }
}
