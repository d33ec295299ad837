// Registered partner services in Redis: each manifest as the operator gave it. Its password
// and SSO salt are read back to call the partner and sign its SSO tokens, so they are kept as
// the platform keeps add-on credentials and config vars (in Redis, never logged, never shown).
// The service's OAuth client secret is only checked, so only its hash is kept.
// Also the one-time SSO tickets that let a browser open an add-on without an API token.
import type { Redis } from 'ioredis';
import type { PartnerManifest } from './manifest.js';

const servicesKey = 'slipway:partner-addon-services';
const addonsKey = (serviceId: string) => `slipway:partner-addon-service:${serviceId}:addons`;
const ticketKey = (ticket: string) => `slipway:partner-addon-sso:${ticket}`;

export interface PartnerService {
  manifest: PartnerManifest;
  createdAt: string;
  /** SHA-256 of the OAuth client secret (absent on services registered before grants existed:
   *  their partners get tokens once the operator rotates one) */
  clientSecretHash?: string;
}

export interface SsoTicket {
  addonId: string;
  userId: string;
}

export class PartnerServiceStore {
  constructor(private readonly redis: Redis) {}

  /** false when a service of that id is registered already. */
  async create(service: PartnerService): Promise<boolean> {
    return (await this.redis.hsetnx(servicesKey, service.manifest.id, JSON.stringify(service))) === 1;
  }

  async save(service: PartnerService): Promise<void> {
    await this.redis.hset(servicesKey, service.manifest.id, JSON.stringify(service));
  }

  async get(id: string): Promise<PartnerService | null> {
    const raw = await this.redis.hget(servicesKey, id);
    return raw ? (JSON.parse(raw) as PartnerService) : null;
  }

  async list(): Promise<PartnerService[]> {
    const all = Object.values(await this.redis.hgetall(servicesKey)).map((raw) => JSON.parse(raw) as PartnerService);
    return all.sort((a, b) => a.manifest.id.localeCompare(b.manifest.id));
  }

  async remove(id: string): Promise<void> {
    await this.redis.hdel(servicesKey, id);
  }

  /** The add-ons of a service, so it is not removed from under them. */
  async track(serviceId: string, addonId: string): Promise<void> {
    await this.redis.sadd(addonsKey(serviceId), addonId);
  }

  async untrack(serviceId: string, addonId: string): Promise<void> {
    await this.redis.srem(addonsKey(serviceId), addonId);
  }

  /** The ids of a service's add-ons. */
  trackedAddons(serviceId: string): Promise<string[]> {
    return this.redis.smembers(addonsKey(serviceId));
  }

  addonCount(serviceId: string): Promise<number> {
    return this.redis.scard(addonsKey(serviceId));
  }

  async putTicket(ticket: string, value: SsoTicket, ttlSeconds: number): Promise<void> {
    await this.redis.set(ticketKey(ticket), JSON.stringify(value), 'EX', ttlSeconds);
  }

  /** A ticket is good once. */
  async takeTicket(ticket: string): Promise<SsoTicket | null> {
    const raw = await this.redis.getdel(ticketKey(ticket));
    return raw ? (JSON.parse(raw) as SsoTicket) : null;
  }
}
