// The app's one-off dynos (`run:detached`) while they run: listed with the app's dynos as
// `run.N`, stoppable, removed when they end. A record outlives a lost control plane only until
// its time limit has passed (its container is killed by then anyway).
import type { Redis } from 'ioredis';
import type { DynoSize } from '../../common/types.js';
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

export class OneOffStore {
  constructor(private readonly redis: Redis) {}

  /** The app's next one-off number: `run.N`. */
  nextNumber(appId: string): Promise<number> {
    return this.redis.incr(keys.appOneOffSeq(appId));
  }

  /** Records a one-off that has started. */
  async save(input: Omit<OneOffRecord, 'createdAt' | 'updatedAt' | 'state'>): Promise<OneOffRecord> {
    const record: OneOffRecord = { ...input, state: 'up', createdAt: now(), updatedAt: now() };
    await this.redis.hset(keys.appOneOffs(input.appId), record.runId, JSON.stringify(record));
    return record;
  }

  async remove(record: Pick<OneOffRecord, 'appId' | 'runId'>): Promise<void> {
    await this.redis.hdel(keys.appOneOffs(record.appId), record.runId);
  }

  /** The app's running one-offs, oldest first; records past their time limit are dropped. */
  async list(appId: string, nowMs = Date.now()): Promise<OneOffRecord[]> {
    const records = Object.values(await this.redis.hgetall(keys.appOneOffs(appId))).map((json) => JSON.parse(json) as OneOffRecord);
    const stale = records.filter((record) => record.expiresAtMs + 60_000 < nowMs);
    if (stale.length > 0) await this.redis.hdel(keys.appOneOffs(appId), ...stale.map((record) => record.runId));
    return records.filter((record) => !stale.includes(record)).sort((a, b) => a.number - b.number);
  }
}
