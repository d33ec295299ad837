// The app's one-off dynos (`run:detached`) while they run: listed with the app's dynos as
// `run.N`, stoppable, removed when they end. A record outlives a lost control plane only until
// its time limit has passed (its container is killed by then anyway).
import type { Redis } from 'ioredis';
import { DYNO_SIZES, type DynoSize } from '../../common/types.js';
import { keys } from './keys.js';
import { now } from './json.js';

export interface OneOffRecord {
  runId: string;
  appId: string;
  /** `run.<number>` */
  number: number;
  command: string;
  size: DynoSize;
  releaseVersion: number;
  hostId: string;
  state: 'up';
  /** When its time limit ends (ms since the epoch). */
  expiresAtMs: number;
  createdAt: string;
  updatedAt: string;
}

/** The memory hash's field of a run: `<host>/<run>`. */
const memoryField = (record: Pick<OneOffRecord, 'hostId' | 'runId'>) => `${record.hostId}/${record.runId}`;

export class OneOffStore {
  constructor(private readonly redis: Redis) {}

  /** The app's next one-off number: `run.N`. */
  nextNumber(appId: string): Promise<number> {
    return this.redis.incr(keys.appOneOffSeq(appId));
  }

  /** Records a one-off that has started, and the memory it holds on its host (for placement). */
  async save(input: Omit<OneOffRecord, 'createdAt' | 'updatedAt' | 'state'>): Promise<OneOffRecord> {
    const record: OneOffRecord = { ...input, state: 'up', createdAt: now(), updatedAt: now() };
    await this.redis
      .multi()
      .hset(keys.appOneOffs(input.appId), record.runId, JSON.stringify(record))
      .hset(keys.oneOffMemory, memoryField(record), String(DYNO_SIZES[record.size].memoryMb))
      .exec();
    return record;
  }

  async remove(record: Pick<OneOffRecord, 'appId' | 'runId' | 'hostId'>): Promise<void> {
    const stored = this.onRemoved ? await this.redis.hget(keys.appOneOffs(record.appId), record.runId) : null;
    const [[, removed]] = (await this.redis.multi().hdel(keys.appOneOffs(record.appId), record.runId).hdel(keys.oneOffMemory, memoryField(record)).exec()) as [[Error | null, number], unknown];
    // told once, by whoever removed it (usage metering: the one-off's time)
    if (stored && removed === 1) await this.onRemoved?.(JSON.parse(stored) as OneOffRecord);
  }

  /** Told of each one-off record removed (it ended, or ran out of time). */
  onRemoved: ((record: OneOffRecord) => Promise<void>) | null = null;

  /** Memory (MB) the running one-offs hold, by host: placement counts it beside instances'. */
  async memoryByHost(): Promise<Map<string, number>> {
    const byHost = new Map<string, number>();
    for (const [field, mb] of Object.entries(await this.redis.hgetall(keys.oneOffMemory))) {
      const hostId = field.slice(0, field.lastIndexOf('/'));
      byHost.set(hostId, (byHost.get(hostId) ?? 0) + Number(mb));
    }
    return byHost;
  }

  /** The app's running one-offs, oldest first; records past their time limit are dropped. */
  async list(appId: string, nowMs = Date.now()): Promise<OneOffRecord[]> {
    const records = Object.values(await this.redis.hgetall(keys.appOneOffs(appId))).map((json) => JSON.parse(json) as OneOffRecord);
    const stale = records.filter((record) => record.expiresAtMs + 60_000 < nowMs);
    for (const record of stale) await this.remove(record);
    return records.filter((record) => !stale.includes(record)).sort((a, b) => a.number - b.number);
  }
}
