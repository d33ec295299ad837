import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ImageRef, Release, ReleaseStatus } from '../../common/types.js';
import { keys } from './keys.js';
import { getJson, getManyJson, now } from './json.js';

export interface NewRelease {
  image: ImageRef | null;
  processTypes: Record<string, string>;
  config: Record<string, string>;
  description: string;
  buildId: string | null;
  status?: ReleaseStatus;
}

export class ReleaseStore {
  constructor(private readonly redis: Redis) {}

  /** Records the next release (v1..vN, numbered atomically) and makes it current. */
  async create(appId: string, input: NewRelease): Promise<Release> {
    const version = await this.redis.incr(keys.appReleaseSeq(appId));
    const release: Release = {
      id: randomUUID(),
      appId,
      version,
      image: input.image,
      processTypes: input.processTypes,
      config: input.config,
      description: input.description,
      status: input.status ?? 'succeeded',
      buildId: input.buildId,
      createdAt: now(),
    };
    const multi = this.redis.multi().set(keys.release(appId, version), JSON.stringify(release)).rpush(keys.appReleases(appId), version);
    if (release.status === 'succeeded') multi.set(keys.appCurrentRelease(appId), version);
    await multi.exec();
    return release;
  }

  get(appId: string, version: number): Promise<Release | null> {
    return getJson<Release>(this.redis, keys.release(appId, version));
  }

  async current(appId: string): Promise<Release | null> {
    const version = await this.redis.get(keys.appCurrentRelease(appId));
    return version ? this.get(appId, Number(version)) : null;
  }

  async list(appId: string): Promise<Release[]> {
    const versions = await this.redis.lrange(keys.appReleases(appId), 0, -1);
    return getManyJson<Release>(this.redis, versions.map((v) => keys.release(appId, Number(v))));
  }
}
