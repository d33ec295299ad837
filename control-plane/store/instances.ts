// Instance records. The store is the one owner of the per-record lock: agent replies, events,
// heartbeats, restarts and the scheduler all change records through update()/remove(), so a
// read-modify-write of one record never interleaves with another (one control plane at a time).
import type { Redis } from 'ioredis';
import { KeyedSerializer } from '../../common/keyed-serializer.js';
import type { Instance } from '../../common/types.js';
import { keys } from './keys.js';
import { getJson, getManyJson, now } from './json.js';

export class InstanceStore {
  private readonly locks = new KeyedSerializer();

  /** Told of each record saved and removed, under the record's lock (usage metering). */
  private observer: InstanceObserver | null = null;

  constructor(private readonly redis: Redis) {}

  observe(observer: InstanceObserver): void {
    this.observer = observer;
  }

  async save(instance: Instance): Promise<Instance> {
    await this.redis
      .multi()
      .set(keys.instance(instance.id), JSON.stringify(instance))
      .sadd(keys.appInstances(instance.appId), instance.id)
      .sadd(keys.hostInstances(instance.hostId), instance.id)
      .exec();
    await this.observer?.saved(instance);
    return instance;
  }

  /** Changes one record under its lock; `change` returns null to leave it as it is. Null when the record is gone. */
  update(id: string, change: (current: Instance) => Partial<Omit<Instance, 'id' | 'appId'>> | null): Promise<Instance | null> {
    return this.locks.run(id, async () => {
      const current = await this.get(id);
      if (!current) return null;
      const changes = change(current);
      if (!changes) return current;
      return this.save({ ...current, ...changes, updatedAt: now() });
    });
  }

  /** Hands the current record (if any) to `work` under its lock: nothing changes it meanwhile. */
  withRecord(id: string, work: (current: Instance | null) => Promise<void>): Promise<void> {
    return this.locks.run(id, async () => work(await this.get(id)));
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

  remove(instance: Pick<Instance, 'id' | 'appId' | 'hostId'>): Promise<void> {
    return this.locks.run(instance.id, async () => {
      const removed = this.observer ? await this.get(instance.id) : null;
      await this.redis
        .multi()
        .del(keys.instance(instance.id))
        .srem(keys.appInstances(instance.appId), instance.id)
        .srem(keys.hostInstances(instance.hostId), instance.id)
        .exec();
      if (removed) await this.observer?.removed(removed);
    });
  }
}

export interface InstanceObserver {
  saved(instance: Instance): Promise<void>;
  removed(instance: Instance): Promise<void>;
}
