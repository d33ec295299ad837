import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { ChainableCommander, Redis } from 'ioredis';
import type { HealthCheck } from '../../common/health-check.js';
import type { ImageRef, Release, ReleaseStatus } from '../../common/types.js';
import { keys } from './keys.js';
import { now } from './json.js';

export interface NewRelease {
  image: ImageRef | null;
  processTypes: Record<string, string>;
  /** Types running another image than `image` (a container release); none: all run `image`. */
  processImages?: Record<string, ImageRef>;
  config: Record<string, string>;
  description: string;
  buildId: string | null;
  /** The stack the image was built on (null: no image). */
  stack?: string | null;
  status?: ReleaseStatus;
  healthChecks?: Record<string, HealthCheck>;
}

/** A release as stored: its config by hash (one copy per distinct config of the app); records
 *  written before config was shared embed it instead, and are read as they are. */
type StoredRelease = Omit<Release, 'config'> & ({ configHash: string; config?: undefined } | { config: Record<string, string>; configHash?: undefined });

/** Pure: the same config always gives the same text (names sorted) and so the same hash. */
export function configBlob(config: Record<string, string>): { hash: string; json: string } {
  const json = JSON.stringify(Object.fromEntries(Object.entries(config).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
  return { hash: createHash('sha256').update(json).digest('hex'), json };
}

/** KEYS: release record, app's current version; ARGV: record JSON, version, status. The
 *  current pointer only moves forward, so a late settle never undoes a newer release. */
const SETTLE_SCRIPT = `
redis.call('SET', KEYS[1], ARGV[1])
if ARGV[3] == 'succeeded' and tonumber(redis.call('GET', KEYS[2]) or '0') < tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], ARGV[2])
end
return 1`;

export class ReleaseStore {
  constructor(private readonly redis: Redis) {}

  /** Records the next release (v1..vN, numbered atomically) and makes it current; `alsoWrite`
   *  adds writes that must land with it or not at all (its config vars). A refused write (e.g.
   *  Redis at its memory limit) rejects, and nothing of the transaction is written. */
  async create(appId: string, input: NewRelease, alsoWrite: (multi: ChainableCommander) => void = () => {}): Promise<Release> {
    const version = await this.redis.incr(keys.appReleaseSeq(appId));
    const blob = configBlob(input.config);
    const { config, ...rest } = {
      id: randomUUID(),
      appId,
      version,
      image: input.image,
      processTypes: input.processTypes,
      ...(input.processImages && Object.keys(input.processImages).length > 0 ? { processImages: input.processImages } : {}),
      config: input.config,
      description: input.description,
      status: input.status ?? 'succeeded',
      buildId: input.buildId,
      stack: input.stack ?? null,
      healthChecks: input.healthChecks ?? {},
      ...(input.status === 'pending' ? { outputSecret: randomBytes(24).toString('base64url') } : {}),
      createdAt: now(),
    } satisfies Release;
    const stored: StoredRelease = { ...rest, configHash: blob.hash };
    const multi = this.redis
      .multi()
      .hsetnx(keys.appConfigBlobs(appId), blob.hash, blob.json)
      .set(keys.release(appId, version), JSON.stringify(stored))
      .rpush(keys.appReleases(appId), version);
    if (stored.status === 'succeeded') multi.set(keys.appCurrentRelease(appId), version);
    alsoWrite(multi);
    await multi.exec();
    return { ...rest, config };
  }

  /** Points the app's releases at images moved to other repositories (`moved`: old → new);
   *  a release's digests stay. Returns how many releases changed. */
  async moveImages(appId: string, moved: ReadonlyMap<string, string>): Promise<number> {
    const move = (image: ImageRef): ImageRef => ({ ...image, repository: moved.get(image.repository) ?? image.repository });
    let changed = 0;
    // WATCH needs a connection of its own (the shared one carries other callers' commands).
    const client = this.redis.duplicate({ lazyConnect: true });
    try {
      await client.connect();
      for (const version of await client.lrange(keys.appReleases(appId), 0, -1)) {
        const key = keys.release(appId, Number(version));
        // Optimistic: a release settling meanwhile rewrites the record, and this one is redone.
        for (;;) {
          await client.watch(key);
          const raw = await client.get(key);
          if (raw === null) {
            await client.unwatch();
            break;
          }
          const stored = JSON.parse(raw) as StoredRelease;
          const next: StoredRelease = {
            ...stored,
            image: stored.image ? move(stored.image) : null,
            ...(stored.processImages ? { processImages: Object.fromEntries(Object.entries(stored.processImages).map(([type, image]) => [type, move(image)])) } : {}),
          };
          const text = JSON.stringify(next);
          if (text === raw) {
            await client.unwatch();
            break;
          }
          if ((await client.multi().set(key, text).exec()) !== null) {
            changed++;
            break;
          }
        }
      }
    } finally {
      await client.quit().catch(() => client.disconnect());
    }
    return changed;
  }

  /** Ends a pending release (its release phase ran): records its status and, when it
   *  succeeded, makes it current unless a newer release already is. Returns it as settled. */
  async settle(appId: string, version: number, status: Exclude<ReleaseStatus, 'pending'>, failure: string | null = null): Promise<Release> {
    const raw = await this.redis.get(keys.release(appId, version));
    if (raw === null) throw new Error(`release v${version} of app ${appId} is missing`);
    const stored = { ...(JSON.parse(raw) as StoredRelease), status, ...(failure === null ? {} : { failure }) };
    await this.redis.eval(SETTLE_SCRIPT, 2, keys.release(appId, version), keys.appCurrentRelease(appId), JSON.stringify(stored), String(version), status);
    return (await this.withConfig(appId, [stored]))[0]!;
  }

  async get(appId: string, version: number): Promise<Release | null> {
    const raw = await this.redis.get(keys.release(appId, version));
    if (raw === null) return null;
    const [release] = await this.withConfig(appId, [JSON.parse(raw) as StoredRelease]);
    return release!;
  }

  async current(appId: string): Promise<Release | null> {
    const version = await this.redis.get(keys.appCurrentRelease(appId));
    return version ? this.get(appId, Number(version)) : null;
  }

  async list(appId: string): Promise<Release[]> {
    const versions = await this.redis.lrange(keys.appReleases(appId), 0, -1);
    if (versions.length === 0) return [];
    const raws = await this.redis.mget(...versions.map((v) => keys.release(appId, Number(v))));
    return this.withConfig(
      appId,
      raws.filter((raw): raw is string => raw !== null).map((raw) => JSON.parse(raw) as StoredRelease),
    );
  }

  /** Each release with its config, each distinct config read once. */
  private async withConfig(appId: string, stored: StoredRelease[]): Promise<Release[]> {
    const hashes = [...new Set(stored.flatMap((r) => (r.configHash ? [r.configHash] : [])))];
    const blobs = hashes.length ? await this.redis.hmget(keys.appConfigBlobs(appId), ...hashes) : [];
    const configs = new Map(hashes.map((hash, i) => [hash, blobs[i]]));
    return stored.map(({ configHash, config, ...rest }) => {
      if (config) return { ...rest, config };
      const json = configs.get(configHash!);
      if (json == null) throw new Error(`release v${rest.version} of app ${appId}: config ${configHash} is missing`);
      return { ...rest, config: JSON.parse(json) as Record<string, string> };
    });
  }
}
