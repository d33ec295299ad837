import { Redis } from 'ioredis';
import { connect } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestNats, startTestRedis, startTestRegistry } from '../test/support/services.js';
import type { RunningService } from './services.js';

describe('own instances of Redis, NATS and the registry', () => {
  const services: RunningService[] = [];
  beforeAll(async () => {
    services.push(await startTestRedis(), await startTestNats(), await startTestRegistry());
  });
  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
  });

  it('runs Redis with AOF persistence on loopback', async () => {
    const redis = new Redis(services[0]!.url);
    try {
      expect(await redis.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      expect(await redis.config('GET', 'bind')).toEqual(['bind', '127.0.0.1']);
    } finally {
      redis.disconnect();
    }
  });

  it('runs NATS with JetStream enabled', async () => {
    const nc = await connect({ servers: services[1]!.url });
    try {
      const jsm = await nc.jetstreamManager();
      const info = await jsm.getAccountInfo();
      expect(info.limits).toBeDefined();
    } finally {
      await nc.close();
    }
  });

  it('runs a registry that answers the v2 API', async () => {
    const response = await fetch(`http://${services[2]!.url}/v2/`);
    expect(response.status).toBe(200);
  });
});
