// Secrets must not reach the logs through an error: a real Redis refuses a command whose
// arguments hold a config value, and the control plane's logger writes the error.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { RunningService } from '../supervisor/services.js';
import { startTestRedis } from '../test/support/services.js';
import { createLogger, serializeError } from './logger.js';

let redisService: RunningService;
let redis: Redis;
beforeAll(async () => {
  redisService = await startTestRedis();
  redis = new Redis(redisService.url, { maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  redis?.disconnect();
  await redisService?.stop();
});

const SECRET = 'postgres://app:s3cret-config-value@db.internal/app';

test("a Redis error's command arguments never reach a log line", async () => {
  await redis.set('slipway:test:string', 'not a hash');
  // WRONGTYPE: ioredis attaches the command, arguments included, to the error
  const err = await redis.hset('slipway:test:string', 'DATABASE_URL', SECRET).then(
    () => null,
    (error: unknown) => error,
  );
  expect(err).toBeInstanceOf(Error);
  expect(JSON.stringify((err as { command?: unknown }).command)).toContain(SECRET);

  const lines: string[] = [];
  const log = createLogger('control-plane', 'info', { write: (line: string) => void lines.push(line) });
  log.error({ err }, 'saving config failed');
  log.error({ err: new Error('release failed', { cause: err }) }, 'release failed');

  expect(lines).toHaveLength(2);
  for (const line of lines) expect(line).not.toContain('s3cret-config-value');
  const first = JSON.parse(lines[0]!) as { err: { message: string; command: unknown } };
  expect(first.err.message).toMatch(/WRONGTYPE/);
  expect(first.err.command).toEqual({ name: 'hset' });
});

test('other error fields survive the scrub', () => {
  const err = Object.assign(new Error('boom'), { code: 'E_BOOM', hostId: 'h-1' });
  expect(serializeError(err)).toMatchObject({ type: 'Error', message: 'boom', code: 'E_BOOM', hostId: 'h-1' });
});
