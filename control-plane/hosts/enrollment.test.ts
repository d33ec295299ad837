// The enrollment handler on a real Redis (ledger, host records) with an in-memory auto scaling
// group standing in for AWS's membership answers.
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it, test } from 'vitest';
import { decode, encode } from '../../common/protocol.js';
import { enrollReply, newEnrollmentKeyPair, openSealedToken, type EnrollReply, type EnrollRequest } from '../../common/enrollment.js';
import { AutoScalingError } from '../../host-providers/aws/auto-scaling.js';
import { FakeAutoScaling } from '../../host-providers/aws/testing/fake-auto-scaling.js';
import type { RunningService } from '../../supervisor/services.js';
import { startTestRedis } from '../../test/support/services.js';
import { HostStore } from '../store/hosts.js';
import { EnrollmentHandler, membershipProblem, REFUSED } from './enrollment.js';
import { hostRecordIssuer } from './host-issuer.js';
import { RedisHostLedger } from './redis-host-ledger.js';

const SECRET = 'the-enrollment-secret-0123456789abcdef';
const GROUP = 'slipway-engine-0123abcd';

function capturingLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

test('membership: starting or running in the engine group, nothing else', () => {
  const of = (groupName: string, lifecycleState: string) => ({ instanceId: 'i-12345678', groupName, lifecycleState });
  expect(membershipProblem(of(GROUP, 'InService'), GROUP)).toBeNull();
  expect(membershipProblem(of(GROUP, 'Pending'), GROUP)).toBeNull();
  expect(membershipProblem(of(GROUP, 'Pending:Wait'), GROUP)).toBeNull();
  expect(membershipProblem(of(GROUP, 'Terminating'), GROUP)).toBe('is Terminating, not Pending or InService');
  expect(membershipProblem(of(GROUP, 'Standby'), GROUP)).toBe('is Standby, not Pending or InService');
  expect(membershipProblem(of('routers', 'InService'), GROUP)).toBe('is not in the engine group');
  expect(membershipProblem(null, GROUP)).toBe('is in no auto scaling group');
});

describe('enrollment on a real Redis', () => {
  let redisService: RunningService;
  let redis: Redis;
  let hosts: HostStore;
  let ledger: RedisHostLedger;
  let group: FakeAutoScaling;
  let handler: EnrollmentHandler;
  let lines: string[];

  const launch = async (count: number) => {
    await group.setDesiredCapacity(GROUP, group.desiredCapacity + count);
    await new Promise((done) => setImmediate(done));
    return group.liveInstances().slice(-count).map((i) => i.instanceId);
  };
  const ask = async (instanceId: string, overrides: Partial<EnrollRequest> = {}) => {
    const keys = newEnrollmentKeyPair();
    const reply = await handler.enroll({ enrollmentSecret: SECRET, instanceId, address: '10.42.1.17', publicKey: keys.publicKey, ...overrides });
    return { reply, token: reply.ok ? openSealedToken(keys, reply.sealedToken, reply.hostId) : null };
  };
  const pending = async (...hostIds: string[]) => {
    await ledger.addPending(hostIds.map((hostId) => ({ hostId, token: `slwh_token-of-${hostId}-0123456789` })));
  };

  beforeAll(async () => {
    redisService = await startTestRedis();
    redis = new Redis(redisService.url);
    hosts = new HostStore(redis);
    ledger = new RedisHostLedger(redis, SECRET);
  });

  beforeEach(async () => {
    await redis.flushall();
    group = new FakeAutoScaling({ name: GROUP, minSize: 0, maxSize: 20 });
    const captured = capturingLogger();
    lines = captured.lines;
    handler = new EnrollmentHandler({
      secret: SECRET,
      groupName: GROUP,
      autoScaling: group,
      ledger,
      issuer: hostRecordIssuer({ hosts, natsUsers: null, provider: 'aws', logger: captured.logger }),
      logger: captured.logger,
    });
  });

  afterAll(async () => {
    redis?.disconnect();
    await redisService?.stop();
  });

  it('gives a member of the group a pending credential, sealed to the key it sent, and the same one when it asks again', async () => {
    await pending('aws-0001', 'aws-0002');
    const [first, second] = await launch(2);
    const one = await ask(first!);
    expect(one.reply).toMatchObject({ ok: true, hostId: 'aws-0001' });
    expect(one.token).toBe('slwh_token-of-aws-0001-0123456789');
    expect(JSON.stringify(one.reply)).not.toContain('slwh_token');
    const again = await ask(first!);
    expect(again.reply).toMatchObject({ ok: true, hostId: 'aws-0001' });
    expect(again.token).toBe(one.token);
    const two = await ask(second!, { address: '10.42.2.9' });
    expect(two.reply).toMatchObject({ ok: true, hostId: 'aws-0002' });
    expect(await ledger.removePending('aws-0001')).toBe(false);
    expect(await ledger.enrolled()).toEqual([
      { hostId: 'aws-0001', instanceId: first, address: '10.42.1.17' },
      { hostId: 'aws-0002', instanceId: second, address: '10.42.2.9' },
    ]);
    expect(lines.join('')).toContain('instance enrolled');
    expect(lines.join('')).not.toContain('slwh_token');
  });

  it('refuses a wrong secret before asking AWS, and logs it without the secret', async () => {
    await pending('aws-0001');
    const [instance] = await launch(1);
    const calls = group.calls.length;
    const { reply } = await ask(instance!, { enrollmentSecret: 'the-enrollment-secret-0123456789abcdeX' });
    expect(reply).toEqual({ ok: false, error: REFUSED });
    expect(group.calls.length).toBe(calls);
    expect(await ledger.removePending('aws-0001')).toBe(true);
    const logged = lines.join('');
    expect(logged).toContain('enrollment refused: wrong enrollment secret');
    expect(logged).toContain(instance);
    expect(logged).not.toContain('0123456789abcdeX');
  });

  it('refuses instances that are not running in the engine group', async () => {
    await pending('aws-0001');
    const foreign = group.addForeignInstance('slipway-router-group');
    expect((await ask(foreign)).reply).toEqual({ ok: false, error: `instance ${foreign} is not in the engine group` });
    expect((await ask('i-0000000000000000f')).reply).toEqual({ ok: false, error: 'instance i-0000000000000000f is in no auto scaling group' });
    const [leaving] = await launch(1);
    group.setLifecycle(leaving!, 'Terminating:Wait');
    expect((await ask(leaving!)).reply).toMatchObject({ ok: false, error: expect.stringContaining('is Terminating:Wait') });
    // none of them took the pending credential
    expect(await ledger.removePending('aws-0001')).toBe(true);
    expect(lines.filter((line) => line.includes('enrollment refused'))).toHaveLength(3);
  });

  it('gives an instance the group launched on its own a new identity of its own (a host record, down until it registers)', async () => {
    const [instance] = await launch(1);
    const { reply, token } = await ask(instance!);
    expect(reply.ok).toBe(true);
    const hostId = (reply as Extract<EnrollReply, { ok: true }>).hostId;
    expect(hostId).toMatch(/^aws-[0-9a-f]{8}$/);
    expect(await hosts.get(hostId)).toMatchObject({ id: hostId, provider: 'aws', state: 'down' });
    expect(await hosts.verifyToken(hostId, token!)).toBe(true);
    expect((await ask(instance!)).reply).toMatchObject({ ok: true, hostId });
    expect(await hosts.list()).toHaveLength(1);
  });

  it('never gives a removed instance anything again', async () => {
    await pending('aws-0001', 'aws-0002');
    const [instance] = await launch(1);
    expect((await ask(instance!)).reply).toMatchObject({ ok: true, hostId: 'aws-0001' });
    await ledger.forget('aws-0001');
    expect((await ask(instance!)).reply).toEqual({ ok: false, error: `instance ${instance} was removed from the platform` });
    // and a retired instance that never enrolled cannot take a pending credential either
    const [other] = await launch(1);
    expect(await ledger.retireInstance(other!)).toBe(true);
    expect((await ask(other!)).reply).toMatchObject({ ok: false });
    expect(await ledger.removePending('aws-0002')).toBe(true);
  });

  it('asks the instance to try again when AWS cannot be asked, and claims nothing', async () => {
    await pending('aws-0001');
    const [instance] = await launch(1);
    group.failNext('describeInstance', new AutoScalingError('DescribeAutoScalingInstances', 'Throttling', 'Rate exceeded'));
    expect((await ask(instance!)).reply).toEqual({ ok: false, error: 'could not verify the instance yet; try again' });
    expect((await ask(instance!)).reply).toMatchObject({ ok: true, hostId: 'aws-0001' });
  });

  it('answers a malformed request without logging what it held', async () => {
    const reply = decode(enrollReply, await handler.respond(encode({ enrollmentSecret: SECRET, instanceId: 'not-an-instance' })));
    expect(reply).toEqual({ ok: false, error: 'invalid enrollment request' });
    expect(decode(enrollReply, await handler.respond(new TextEncoder().encode('{not json')))).toMatchObject({ ok: false });
    expect(lines.join('')).not.toContain(SECRET);
  });

  it('hands out each credential once when many instances enroll at the same time', async () => {
    await pending('aws-0001', 'aws-0002', 'aws-0003');
    const instances = await launch(6);
    const answers = await Promise.all([...instances, ...instances].map((instanceId) => ask(instanceId).then((answer) => ({ instanceId, ...answer }))));
    const byInstance = new Map<string, Set<string>>();
    for (const answer of answers) {
      expect(answer.reply.ok).toBe(true);
      const hostId = (answer.reply as Extract<EnrollReply, { ok: true }>).hostId;
      byInstance.set(answer.instanceId, (byInstance.get(answer.instanceId) ?? new Set()).add(hostId));
    }
    // each instance has exactly one host, and no host belongs to two instances
    expect([...byInstance.values()].every((ids) => ids.size === 1)).toBe(true);
    const held = [...byInstance.values()].map((ids) => [...ids][0]!);
    expect(new Set(held).size).toBe(6);
    expect(held.filter((id) => id.startsWith('aws-000')).sort()).toEqual(['aws-0001', 'aws-0002', 'aws-0003']);
    // the three adopted instances have host records; any identity issued for a lost race was taken back
    expect((await hosts.list()).map((h) => h.id).sort()).toEqual(held.filter((id) => !id.startsWith('aws-000')).sort());
  });
});
