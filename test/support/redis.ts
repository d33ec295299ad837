// A real Redis for one test file: started before its tests, stopped after them.
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import type { RunningService } from '../../supervisor/services.js';
import { startTestRedis } from './services.js';

/** Registers the file's setup and teardown; the returned function gives the connected client. */
export function useTestRedis(): () => Redis {
  let service: RunningService | undefined;
  let redis: Redis | undefined;
  beforeAll(async () => {
    service = await startTestRedis();
    redis = new Redis(service.url);
  });
  afterAll(async () => {
    redis?.disconnect();
    await service?.stop();
  });
  return () => {
    if (!redis) throw new Error('useTestRedis: the client is there only inside tests');
    return redis;
  };
}
