// Heroku's log drains of an app: where its log lines are forwarded. A drain is created and
// deleted, never changed; its token (`d.<uuid>`) goes into every line sent to it.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { keys } from './keys.js';
import { now } from './json.js';

export interface LogDrain {
  id: string;
  appId: string;
  url: string;
  token: string;
  createdAt: string;
  updatedAt: string;
}

// Adds a drain unless the app has `limit` already or one with the same URL (checked and added
// in one step, so concurrent adds cannot pass the limit together).
const ADD = `
local drains = redis.call('HVALS', KEYS[1])
if #drains >= tonumber(ARGV[3]) then return 'limit' end
for _, raw in ipairs(drains) do
  if cjson.decode(raw).url == ARGV[2] then return 'taken' end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[4])
redis.call('SADD', KEYS[2], ARGV[5])
return 'ok'`;

export class LogDrainStore {
  constructor(private readonly redis: Redis) {}

  async list(appId: string): Promise<LogDrain[]> {
    const raws = await this.redis.hvals(keys.appLogDrains(appId));
    return raws.map((raw) => JSON.parse(raw) as LogDrain).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  /** The new drain, or why not: the app has `limit` drains, or one with this URL. */
  async add(appId: string, url: string, limit: number): Promise<LogDrain | 'limit' | 'taken'> {
    const at = now();
    const drain: LogDrain = { id: randomUUID(), appId, url, token: `d.${randomUUID()}`, createdAt: at, updatedAt: at };
    const result = await this.redis.eval(ADD, 2, keys.appLogDrains(appId), keys.logDrainApps, drain.id, url, String(limit), JSON.stringify(drain), appId);
    return result === 'ok' ? drain : (result as 'limit' | 'taken');
  }

  /** Removes a drain; false when it was gone already. */
  async remove(drain: LogDrain): Promise<boolean> {
    const removed = await this.redis.hdel(keys.appLogDrains(drain.appId), drain.id);
    if ((await this.redis.hlen(keys.appLogDrains(drain.appId))) === 0) await this.redis.srem(keys.logDrainApps, drain.appId);
    return removed === 1;
  }

  /** Every drain of every app (the forwarder's list). */
  async all(): Promise<LogDrain[]> {
    const appIds = await this.redis.smembers(keys.logDrainApps);
    return (await Promise.all(appIds.map((id) => this.list(id)))).flat();
  }
}
