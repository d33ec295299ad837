import type { Redis } from 'ioredis';
import type { Host } from '../../common/types.js';
import { secretMatches } from '../../common/api-token.js';
import { keys } from './keys.js';
import { getJson, getManyJson } from './json.js';

export class HostStore {
  constructor(private readonly redis: Redis) {}

  async save(host: Host): Promise<Host> {
    await this.redis.multi().set(keys.host(host.id), JSON.stringify(host)).sadd(keys.hosts, host.id).exec();
    return host;
  }

  get(id: string): Promise<Host | null> {
    return getJson<Host>(this.redis, keys.host(id));
  }

  async list(): Promise<Host[]> {
    const ids = await this.redis.smembers(keys.hosts);
    const hosts = await getManyJson<Host>(this.redis, ids.map(keys.host));
    return hosts.sort((a, b) => a.id.localeCompare(b.id));
  }

  async setTokenHash(id: string, hash: string): Promise<void> {
    await this.redis.set(keys.hostToken(id), hash);
  }

  /** Whether `secret` is the current credential of host `id` (false once revoked). */
  async verifyToken(id: string, secret: string): Promise<boolean> {
    const hash = await this.redis.get(keys.hostToken(id));
    return hash !== null && secretMatches(secret, hash);
  }

  async setNatsPasswordHash(id: string, hash: string): Promise<void> {
    await this.redis.set(keys.hostNatsHash(id), hash);
  }

  natsPasswordHash(id: string): Promise<string | null> {
    return this.redis.get(keys.hostNatsHash(id));
  }

  /** Forgets the host and revokes its credentials (API and NATS). */
  async remove(id: string): Promise<void> {
    await this.redis.multi().del(keys.host(id), keys.hostToken(id), keys.hostNatsHash(id)).srem(keys.hosts, id).exec();
  }
}
