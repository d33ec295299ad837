// Slipway's Redis runs with a memory limit and no eviction. At the limit (a real Redis, its
// limit set just above what it holds), a write through the API gets a 507 in the one error
// shape that says what is wrong and changes nothing; reads go on working, no key is evicted,
// and writes work again once the limit is raised.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { DEFAULT_REDIS_MAXMEMORY_MB } from '../../common/redis-memory.js';
import { apiClient, startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';

const noBuilds = { ready: true, prepare: async () => {}, build: async () => Promise.reject(new Error('no builds')), tagImage: async () => {} };
let cp: TestControlPlane;
let redis: Redis;

beforeAll(async () => {
  cp = await startTestControlPlane({}, { builder: noBuilds });
  redis = new Redis(cp.redis.url);
});
afterAll(async () => {
  redis?.disconnect();
  await cp?.stop();
});

test('Redis at its memory limit: writes get a 507 saying so, nothing is evicted or half-written', async () => {
  expect(await redis.config('GET', 'maxmemory')).toEqual(['maxmemory', String(DEFAULT_REDIS_MAXMEMORY_MB * 1024 * 1024)]);
  expect(await redis.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);

  const admin = apiClient(cp.url, cp.adminToken);
  const names = Array.from({ length: 5 }, (_, i) => `full-${i}`);
  for (const name of names) expect((await admin('POST', '/apps', { name })).status).toBe(201);
  const keysBefore = await redis.dbsize();

  // a tiny limit: 300 kB above what Redis uses now
  const used = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
  await redis.config('SET', 'maxmemory', String(used + 300_000));

  const answers: { status: number; body: any }[] = [];
  for (let i = 0; i < 40 && answers.at(-1)?.status !== 507; i++) {
    answers.push(await admin('PATCH', `/apps/${names[i % names.length]}/config-vars`, { [`V${i}`]: String(i).repeat(8000) }));
  }
  console.log(`answers until the limit: ${answers.map((a) => a.status).join(' ')}`);
  const refused = answers.at(-1)!;
  expect(refused.status).toBe(507);
  expect(refused.body).toEqual({ id: 'insufficient_storage', message: expect.stringMatching(/state store \(Redis\) is full/) });
  expect(answers.slice(0, -1).every((a) => a.status === 200)).toBe(true);

  // the refused change left no trace; reads work; nothing was evicted
  const refusedApp = names[(answers.length - 1) % names.length]!;
  const shown = await admin('GET', `/apps/${refusedApp}/config-vars`);
  expect(shown.status).toBe(200);
  expect(Object.keys(shown.body)).not.toContain(`V${answers.length - 1}`);
  const accepted = answers.filter((a, i) => a.status === 200 && names[i % names.length] === refusedApp).length;
  expect((await admin('GET', `/apps/${refusedApp}/releases`)).body).toHaveLength(accepted);
  for (const name of names) expect((await admin('GET', `/apps/${name}`)).status).toBe(200);
  expect(Number(/evicted_keys:(\d+)/.exec(await redis.info('stats'))![1])).toBe(0);
  expect(await redis.dbsize()).toBeGreaterThanOrEqual(keysBefore);

  await redis.config('SET', 'maxmemory', String(DEFAULT_REDIS_MAXMEMORY_MB * 1024 * 1024));
  expect((await admin('PATCH', `/apps/${refusedApp}/config-vars`, { AFTER: 'raised' })).status).toBe(200);
});
