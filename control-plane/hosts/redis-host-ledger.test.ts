// The engine hosts' ledger on a real Redis: pending credentials, bindings, retirement, and
// tokens that are stored encrypted.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import { HostLedgerError } from '../../host-providers/aws/host-ledger.js';
import type { RunningService } from '../../supervisor/services.js';
import { startTestRedis } from '../../test/support/services.js';
import { ledgerKeys, RedisHostLedger } from './redis-host-ledger.js';

const SECRET = 'the-enrollment-secret-0123456789abcdef';
const H1 = { hostId: 'aws-0001', token: 'slwh_first-token-0123456789abcdef' };
const H2 = { hostId: 'aws-0002', token: 'slwh_second-token-0123456789abcde' };

let redisService: RunningService;
let redis: Redis;
let ledger: RedisHostLedger;

beforeAll(async () => {
  redisService = await startTestRedis();
  redis = new Redis(redisService.url);
  ledger = new RedisHostLedger(redis, SECRET);
});

beforeEach(async () => {
  await redis.flushall();
});

afterAll(async () => {
  redis?.disconnect();
  await redisService?.stop();
});

test('pending credentials go to instances oldest first; a host id is never pending twice', async () => {
  await ledger.addPending([H1, H2]);
  await expect(ledger.addPending([{ hostId: 'aws-0003', token: 'x'.repeat(20) }, H1])).rejects.toThrow(HostLedgerError);
  await expect(ledger.addPending([H1])).rejects.toThrow('host aws-0001 is already known');
  // the failed call added nothing
  expect(await redis.hexists(ledgerKeys.pending, 'aws-0003')).toBe(0);
  expect(await ledger.claim('i-0000000000000000a', '10.0.0.1')).toEqual({ kind: 'assigned', credentials: H1 });
  expect(await ledger.claim('i-0000000000000000b', '10.0.0.2')).toEqual({ kind: 'assigned', credentials: H2 });
  expect(await ledger.claim('i-0000000000000000c', '10.0.0.3')).toEqual({ kind: 'none' });
  expect(await ledger.claim('i-0000000000000000a', '10.0.0.1')).toEqual({ kind: 'again', credentials: H1 });
  // an enrolled host cannot be added again either
  await expect(ledger.addPending([H1])).rejects.toThrow(HostLedgerError);
});

test('a removed pending credential is never handed out', async () => {
  await ledger.addPending([H1, H2]);
  expect(await ledger.removePending('aws-0001')).toBe(true);
  expect(await ledger.removePending('aws-0001')).toBe(false);
  expect(await ledger.claim('i-0000000000000000a', '10.0.0.1')).toEqual({ kind: 'assigned', credentials: H2 });
  expect(await ledger.claim('i-0000000000000000b', '10.0.0.2')).toEqual({ kind: 'none' });
  expect(await redis.llen(ledgerKeys.queue)).toBe(0);
});

test('enrolled hosts, forgetting one retires its instance', async () => {
  await ledger.addPending([H1, H2]);
  await ledger.claim('i-0000000000000000a', '10.0.0.1');
  await ledger.claim('i-0000000000000000b', '10.0.0.2');
  expect(await ledger.enrolledHost('aws-0002')).toEqual({ hostId: 'aws-0002', instanceId: 'i-0000000000000000b', address: '10.0.0.2' });
  expect(await ledger.enrolledHost('aws-0009')).toBeNull();
  await ledger.forget('aws-0001');
  await ledger.forget('aws-0001');
  expect((await ledger.enrolled()).map((h) => h.hostId)).toEqual(['aws-0002']);
  expect(await ledger.claim('i-0000000000000000a', '10.0.0.1')).toEqual({ kind: 'retired' });
  expect(await redis.ttl(ledgerKeys.instance('i-0000000000000000a'))).toBeGreaterThan(0);
});

test('an instance can be retired only while it holds no host', async () => {
  await ledger.addPending([H1]);
  await ledger.claim('i-0000000000000000a', '10.0.0.1');
  expect(await ledger.retireInstance('i-0000000000000000a')).toBe(false);
  expect(await ledger.retireInstance('i-0000000000000000b')).toBe(true);
  expect(await ledger.retireInstance('i-0000000000000000b')).toBe(false);
  expect(await ledger.adopt('i-0000000000000000b', '10.0.0.2', H2)).toEqual({ kind: 'retired' });
});

test('adopting binds fresh credentials once; the instance keeps what it holds', async () => {
  expect(await ledger.adopt('i-0000000000000000a', '10.0.0.1', H1)).toEqual({ kind: 'assigned', credentials: H1 });
  expect(await ledger.adopt('i-0000000000000000a', '10.0.0.1', H2)).toEqual({ kind: 'again', credentials: H1 });
  await expect(ledger.adopt('i-0000000000000000c', '10.0.0.3', H1)).rejects.toThrow(/already enrolled/);
});

test('tokens are stored encrypted, and only the same enrollment secret reads them', async () => {
  await ledger.addPending([H1]);
  await ledger.claim('i-0000000000000000a', '10.0.0.1');
  await ledger.addPending([H2]);
  const everything = JSON.stringify([await redis.hgetall(ledgerKeys.pending), await redis.hgetall(ledgerKeys.bound)]);
  expect(everything).toContain('i-0000000000000000a');
  expect(everything).not.toContain('first-token');
  expect(everything).not.toContain('second-token');
  const otherSecret = new RedisHostLedger(redis, 'another-enrollment-secret-0123456789');
  await expect(otherSecret.claim('i-0000000000000000a', '10.0.0.1')).rejects.toThrow(/does not decrypt/);
  // a sealed token moved to another host does not open either
  const bound = await redis.hget(ledgerKeys.bound, 'aws-0001');
  await redis.hset(ledgerKeys.bound, 'aws-0009', bound!);
  await redis.set(ledgerKeys.instance('i-0000000000000000f'), 'aws-0009');
  await expect(ledger.claim('i-0000000000000000f', '10.0.0.1')).rejects.toThrow(HostLedgerError);
});
