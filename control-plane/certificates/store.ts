// Certificates for custom domains: the routers read hostname → {cert, key} from one shared
// hash (secret: never returned by the API); the app keeps what it uploaded (without keys).
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { NatsConnection } from 'nats';
import { encode, sharedKeys, subjects } from '../../common/protocol.js';
import type { CheckedCertificate } from './validate.js';

export interface SniEndpoint {
  id: string;
  hostnames: string[];
  names: string[];
  expiresAt: string;
  fingerprint: string;
  /** Absent on records from before they were kept. */
  startsAt?: string;
  issuer?: string;
  subject?: string;
  caSigned?: boolean;
  /** Issued by Automated Certificate Management rather than uploaded. */
  acm?: boolean;
  createdAt: string;
}

const endpointsKey = (appId: string) => `slipway:app:${appId}:sni-endpoints`;

export class CertificateStore {
  constructor(private readonly redis: Redis, private readonly nats: NatsConnection) {}

  async add(appId: string, chain: string, key: string, checked: CheckedCertificate, origin: { acm?: boolean } = {}): Promise<SniEndpoint> {
    const endpoint: SniEndpoint = {
      id: randomUUID(),
      hostnames: checked.covers,
      names: checked.names,
      expiresAt: checked.expiresAt,
      fingerprint: checked.fingerprint,
      startsAt: checked.startsAt,
      issuer: checked.issuer,
      subject: checked.subject,
      caSigned: checked.caSigned,
      ...(origin.acm ? { acm: true } : {}),
      createdAt: new Date().toISOString(),
    };
    // A newer certificate for a hostname replaces the older one.
    for (const other of await this.list(appId)) {
      const remaining = other.hostnames.filter((h) => !endpoint.hostnames.includes(h));
      if (remaining.length === other.hostnames.length) continue;
      if (remaining.length === 0) await this.redis.hdel(endpointsKey(appId), other.id);
      else await this.redis.hset(endpointsKey(appId), other.id, JSON.stringify({ ...other, hostnames: remaining }));
    }
    const multi = this.redis.multi().hset(endpointsKey(appId), endpoint.id, JSON.stringify(endpoint));
    for (const hostname of endpoint.hostnames) multi.hset(sharedKeys.certificates, hostname, JSON.stringify({ cert: chain, key }));
    await multi.exec();
    for (const hostname of endpoint.hostnames) this.announce(hostname);
    return endpoint;
  }

  async list(appId: string): Promise<SniEndpoint[]> {
    const raw = await this.redis.hgetall(endpointsKey(appId));
    return Object.values(raw)
      .map((json) => JSON.parse(json) as SniEndpoint)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async remove(appId: string, id: string): Promise<SniEndpoint | null> {
    const raw = await this.redis.hget(endpointsKey(appId), id);
    if (!raw) return null;
    const endpoint = JSON.parse(raw) as SniEndpoint;
    await this.redis.hdel(endpointsKey(appId), id);
    for (const hostname of endpoint.hostnames) await this.forgetHostname(hostname);
    return endpoint;
  }

  /** The hostname no longer has a certificate (its endpoint or its domain went away). */
  async forgetHostname(hostname: string): Promise<void> {
    if ((await this.redis.hdel(sharedKeys.certificates, hostname)) > 0) this.announce(hostname);
  }

  /** Removes the certificates Automated Certificate Management issued for the app: all of them,
   *  or those that serve `onlyHostname` and nothing else (its domain went away). */
  async removeAcm(appId: string, onlyHostname?: string): Promise<void> {
    for (const endpoint of await this.list(appId)) {
      if (endpoint.acm && (onlyHostname === undefined || endpoint.hostnames.every((h) => h === onlyHostname))) await this.remove(appId, endpoint.id);
    }
  }

  async removeAll(appId: string): Promise<void> {
    for (const endpoint of await this.list(appId)) await this.remove(appId, endpoint.id);
  }

  private announce(hostname: string): void {
    this.nats.publish(subjects.certificateChanged, encode({ hostname }));
  }
}
