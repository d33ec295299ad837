import type { Redis } from 'ioredis';
import type { Instance } from '../../common/types.js';
import { keys } from './keys.js';
import { getJson, getManyJson, now } from './json.js';

export class InstanceStore {
  constructor(private readonly redis: Redis) {}

  async save(instance: Instance): Promise<Instance> {
    await this.redis
      .multi()
      .set(keys.instance(instance.id), JSON.stringify(instance))
      .sadd(keys.appInstances(instance.appId), instance.id)
      .sadd(keys.hostInstances(instance.hostId), instance.id)
      .exec();
    return instance;
  }

  async update(id: string, changes: Partial<Omit<Instance, 'id' | 'appId'>>): Promise<Instance | null> {
    const current = await this.get(id);
    if (!current) return null;
    return this.save({ ...current, ...changes, updatedAt: now() });
  }

  get(id: string): Promise<Instance | null> {
    return getJson<Instance>(this.redis, keys.instance(id));
  }

  async listForApp(appId: string): Promise<Instance[]> {
    const ids = await this.redis.smembers(keys.appInstances(appId));
    const found = await getManyJson<Instance>(this.redis, ids.map(keys.instance));
    return found.sort((a, b) => a.type.localeCompare(b.type) || a.index - b.index || a.releaseVersion - b.releaseVersion);
  }

  async listForHost(hostId: string): Promise<Instance[]> {
    const ids = await this.redis.smembers(keys.hostInstances(hostId));
    return getManyJson<Instance>(this.redis, ids.map(keys.instance));
  }

  async remove(instance: Pick<Instance, 'id' | 'appId' | 'hostId'>): Promise<void> {
    await this.redis
      .multi()
      .del(keys.instance(instance.id))
      .srem(keys.appInstances(instance.appId), instance.id)
      .srem(keys.hostInstances(instance.hostId), instance.id)
      .exec();
  }
}
