// What a release phase printed, kept per release for Heroku's `output_stream_url` (`heroku
// releases:output`): appended line by line while it runs, capped, dropped with the app.
import type { Redis } from 'ioredis';
import { keys } from './keys.js';

export const MAX_RELEASE_OUTPUT_LINES = 10_000;
const TRUNCATED = '[output truncated: the rest is in the app log]';

/** KEYS: the list; ARGV: line, cap, marker. Appends below the cap, the marker once at it. */
const APPEND_SCRIPT = `
local n = redis.call('LLEN', KEYS[1])
local cap = tonumber(ARGV[2])
if n < cap then return redis.call('RPUSH', KEYS[1], ARGV[1]) end
if n == cap then return redis.call('RPUSH', KEYS[1], ARGV[3]) end
return n`;

export class ReleaseOutputStore {
  constructor(private readonly redis: Redis) {}

  async append(appId: string, version: number, line: string): Promise<void> {
    await this.redis.eval(APPEND_SCRIPT, 1, keys.releaseOutput(appId, version), line, String(MAX_RELEASE_OUTPUT_LINES), TRUNCATED);
  }

  /** The lines from index `from` on. */
  read(appId: string, version: number, from = 0): Promise<string[]> {
    return this.redis.lrange(keys.releaseOutput(appId, version), from, -1);
  }
}
