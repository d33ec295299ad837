import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Build } from '../../common/types.js';
import { keys } from './keys.js';
import { getJson, getManyJson, now } from './json.js';

export class BuildStore {
  constructor(private readonly redis: Redis) {}

  async create(appId: string, sourceVersion: string): Promise<Build> {
    const build: Build = {
      id: randomUUID(),
      appId,
      status: 'pending',
      sourceVersion,
      buildpack: null,
      image: null,
      processTypes: {},
      failure: null,
      releaseVersion: null,
      createdAt: now(),
      updatedAt: now(),
    };
    await this.redis.multi().set(keys.build(build.id), JSON.stringify(build)).rpush(keys.appBuilds(appId), build.id).exec();
    return build;
  }

  async update(build: Build, changes: Partial<Omit<Build, 'id' | 'appId'>>): Promise<Build> {
    const updated: Build = { ...build, ...changes, updatedAt: now() };
    await this.redis.set(keys.build(build.id), JSON.stringify(updated));
    return updated;
  }

  get(id: string): Promise<Build | null> {
    return getJson<Build>(this.redis, keys.build(id));
  }

  async list(appId: string): Promise<Build[]> {
    const ids = await this.redis.lrange(keys.appBuilds(appId), 0, -1);
    return getManyJson<Build>(this.redis, ids.map(keys.build));
  }
}
