// The aws host provider over an in-memory auto scaling group (fake-auto-scaling.ts, which
// behaves as AWS documents) and the real ledger on a real Redis. Instances "boot" by enrolling:
// through the control plane's real enrollment handler, and, in the conformance suite, as a
// real control plane sees them (agent code over NATS: enroll, then register).
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { connect } from 'nats';
import { afterAll, beforeAll, beforeEach, describe, expect, it, test } from 'vitest';
import { newEnrollmentKeyPair } from '../../common/enrollment.js';
import { silentLogger } from '../../common/logger.js';
import { encode } from '../../common/protocol.js';
import { hashSecret } from '../../common/api-token.js';
import { EnrollmentHandler } from '../../control-plane/hosts/enrollment.js';
import { hostRecordIssuer } from '../../control-plane/hosts/host-issuer.js';
import { RedisHostLedger } from '../../control-plane/hosts/redis-host-ledger.js';
import { HostStore } from '../../control-plane/store/hosts.js';
import type { RunningService } from '../../supervisor/services.js';
import { startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';
import { startTestRedis } from '../../test/support/services.js';
import { waitFor } from '../../test/support/wait.js';
import { hostProviderConformance } from '../testing/conformance.js';
import { AutoScalingError, type GroupInstance } from './auto-scaling.js';
import { sdkAutoScaling } from './auto-scaling-sdk.js';
import { FakeAutoScaling } from './testing/fake-auto-scaling.js';
import { startFakeAwsEndpoint } from './testing/fake-aws-endpoint.js';
import { bootSimulatedInstance, type SimulatedInstance } from './testing/simulated-instance.js';
import { AwsHostProvider, grownCapacity, HostProvisioningError, runningHosts } from './provider.js';

const SECRET = 'enrollment-secret-0123456789abcdef';
const GROUP = 'slipway-engine-0123abcd';
const CAPACITY = { memoryMb: 8192, cpus: 2 };
const credentials = (hostId: string) => ({ hostId, token: `slwh_token-of-${hostId}-0123456789` });
const NO_BUILDS = { ready: true, prepare: async () => {}, build: async () => Promise.reject(new Error('no builds here')), tagImage: async () => {} };

test('growing the group: by the number of hosts, never past its maximum', () => {
  expect(grownCapacity({ desiredCapacity: 2, maxSize: 10 }, 3)).toBe(5);
  expect(grownCapacity({ desiredCapacity: 2, maxSize: 5 }, 3)).toBe(5);
  expect(() => grownCapacity({ desiredCapacity: 2, maxSize: 4 }, 3)).toThrow(/holds at most 4 hosts \(slipway:engineMax\) and wants 2 already: cannot add 3/);
});

test('listing: enrolled hosts whose instance is starting or running', () => {
  const group = {
    name: GROUP,
    minSize: 0,
    maxSize: 5,
    desiredCapacity: 3,
    instances: [
      { instanceId: 'i-0a', lifecycleState: 'InService', availabilityZone: 'us-east-1a' },
      { instanceId: 'i-0b', lifecycleState: 'Terminating', availabilityZone: 'us-east-1b' },
      { instanceId: 'i-0c', lifecycleState: 'Pending', availabilityZone: 'us-east-1a' },
    ],
  };
  const enrolled = [
    { hostId: 'aws-a', instanceId: 'i-0a', address: '10.0.0.1' },
    { hostId: 'aws-b', instanceId: 'i-0b', address: '10.0.0.2' },
    { hostId: 'aws-gone', instanceId: 'i-0z', address: '10.0.0.9' },
  ];
  expect(runningHosts(group, enrolled, CAPACITY)).toEqual([{ id: 'aws-a', provider: 'aws', address: '10.0.0.1', capacity: CAPACITY }]);
});

describe('over an in-memory group and a real Redis', () => {
  let redisService: RunningService;
  let redis: Redis;
  let ledger: RedisHostLedger;
  let hosts: HostStore;
  let group: FakeAutoScaling;
  let provider: AwsHostProvider;
  /** What booted instances do: enroll (default), or stay silent (never finish booting). */
  let boot: 'enroll' | 'silent';
  let booted: GroupInstance[];

  const handler = () =>
    new EnrollmentHandler({
      secret: SECRET,
      groupName: GROUP,
      autoScaling: group,
      ledger,
      issuer: hostRecordIssuer({ hosts, natsUsers: null, provider: 'aws', logger: silentLogger() }),
      logger: silentLogger(),
    });
  const enroll = async (instance: GroupInstance) => {
    const address = `10.42.${booted.length}.${10 + booted.length}`;
    await handler().enroll({ enrollmentSecret: SECRET, instanceId: instance.instanceId, address, publicKey: newEnrollmentKeyPair().publicKey });
  };
  const makeGroup = (options: { minSize?: number; maxSize?: number; desiredCapacity?: number } = {}) => {
    group = new FakeAutoScaling({
      name: GROUP,
      minSize: options.minSize ?? 0,
      maxSize: options.maxSize ?? 6,
      desiredCapacity: options.desiredCapacity ?? 0,
      onLaunch: (instance) => {
        booted.push(instance);
        if (boot === 'enroll') void enroll(instance);
      },
    });
    provider = new AwsHostProvider({ autoScaling: group, ledger, groupName: GROUP, capacity: CAPACITY, enrollTimeoutMs: 3000, pollMs: 20 });
  };
  const mutations = () => group.calls.filter((call) => /^(setDesiredCapacity|terminateInstanceAndDecrement) /.test(call));

  beforeAll(async () => {
    redisService = await startTestRedis();
    redis = new Redis(redisService.url);
    ledger = new RedisHostLedger(redis, SECRET);
    hosts = new HostStore(redis);
  });

  beforeEach(async () => {
    await redis.flushall();
    boot = 'enroll';
    booted = [];
    makeGroup();
  });

  afterAll(async () => {
    redis?.disconnect();
    await redisService?.stop();
  });

  it('adds hosts by raising the desired capacity; each new instance enrolls as one of them', async () => {
    expect(provider.name).toBe('aws');
    expect(await provider.list()).toEqual([]);
    const added = await provider.addHosts([credentials('aws-h1'), credentials('aws-h2')]);
    expect(mutations()).toEqual([`setDesiredCapacity ${GROUP} 2`]);
    expect(added.map((h) => h.id)).toEqual(['aws-h1', 'aws-h2']);
    for (const host of added) {
      expect(host).toMatchObject({ provider: 'aws', capacity: CAPACITY });
      expect(host.address).toMatch(/^10\.42\.\d+\.\d+$/);
    }
    const enrolled = await ledger.enrolled();
    expect(new Set(enrolled.map((h) => h.instanceId))).toEqual(new Set(booted.map((i) => i.instanceId)));
    expect((await provider.list()).map((h) => h.id)).toEqual(['aws-h1', 'aws-h2']);
    // a host id already known is refused without touching the group
    await expect(provider.addHosts([credentials('aws-h1')])).rejects.toThrow(HostProvisioningError);
    expect(mutations()).toHaveLength(1);
  });

  it('removes exactly the drained host\'s instance, lowering the desired capacity with it; again is a no-op', async () => {
    await provider.addHosts([credentials('aws-h1'), credentials('aws-h2'), credentials('aws-h3')]);
    const victim = (await ledger.enrolledHost('aws-h2'))!.instanceId;
    await provider.removeHost('aws-h2');
    expect(mutations().at(-1)).toBe(`terminateInstanceAndDecrement ${victim}`);
    expect(group.desiredCapacity).toBe(2);
    expect((await provider.list()).map((h) => h.id)).toEqual(['aws-h1', 'aws-h3']);
    const before = mutations().length;
    await provider.removeHost('aws-h2');
    await provider.removeHost('never-existed');
    expect(mutations()).toHaveLength(before);
    // the terminated instance can never enroll again, as any host
    expect(await ledger.claim(victim, '10.42.0.1')).toEqual({ kind: 'retired' });
  });

  it('an instance AWS already ended (or is ending) is simply forgotten', async () => {
    await provider.addHosts([credentials('aws-h1'), credentials('aws-h2')]);
    const instance = (await ledger.enrolledHost('aws-h1'))!.instanceId;
    group.setLifecycle(instance, 'Terminating');
    expect((await provider.list()).map((h) => h.id)).toEqual(['aws-h2']);
    await provider.removeHost('aws-h1');
    expect(mutations().filter((call) => call.startsWith('terminate'))).toEqual([]);
    expect(await ledger.enrolledHost('aws-h1')).toBeNull();
  });

  it('a terminate AWS refuses because the instance just went is fine; any other refusal is an error', async () => {
    await provider.addHosts([credentials('aws-h1'), credentials('aws-h2')]);
    const first = (await ledger.enrolledHost('aws-h1'))!.instanceId;
    group.failNext('terminateInstanceAndDecrement', new AutoScalingError('TerminateInstanceInAutoScalingGroup', 'Throttling', 'Rate exceeded'));
    await expect(provider.removeHost('aws-h1')).rejects.toThrow(`could not terminate instance ${first} of host aws-h1`);
    // nothing was forgotten: the next attempt finishes the job
    expect(await ledger.enrolledHost('aws-h1')).not.toBeNull();
    await provider.removeHost('aws-h1');
    expect(await ledger.enrolledHost('aws-h1')).toBeNull();
  });

  it('refuses to grow past engineMax, leaving nothing pending', async () => {
    makeGroup({ maxSize: 2 });
    await provider.addHosts([credentials('aws-h1')]);
    await expect(provider.addHosts([credentials('aws-h2'), credentials('aws-h3')])).rejects.toThrow(/holds at most 2 hosts/);
    expect(await ledger.removePending('aws-h2')).toBe(false);
    expect(group.desiredCapacity).toBe(1);
  });

  it('refuses to shrink below engineMin, with a message that says so', async () => {
    makeGroup({ minSize: 1 });
    await provider.addHosts([credentials('aws-h1')]);
    await expect(provider.removeHost('aws-h1')).rejects.toThrow(/engine group is at its minimum size \(1, slipway:engineMin\)/);
    expect((await provider.list()).map((h) => h.id)).toEqual(['aws-h1']);
  });

  it('when AWS will not grow the group, the credentials are dropped and the error says why', async () => {
    group.failNext('setDesiredCapacity', new AutoScalingError('SetDesiredCapacity', 'AccessDenied', 'not authorized'));
    const failure = provider.addHosts([credentials('aws-h1')]);
    await expect(failure).rejects.toThrow('could not grow the engine group for hosts aws-h1');
    expect(await ledger.removePending('aws-h1')).toBe(false);
    expect(booted).toEqual([]);
  });

  it('hosts that do not enroll in time are cleaned up: no pending credential, their instances ended', async () => {
    boot = 'silent';
    provider = new AwsHostProvider({ autoScaling: group, ledger, groupName: GROUP, capacity: CAPACITY, enrollTimeoutMs: 200, pollMs: 20 });
    const failure = provider.addHosts([credentials('aws-h1'), credentials('aws-h2')]);
    await expect(failure).rejects.toThrow('hosts aws-h1, aws-h2 did not enroll within 0 s');
    expect(await ledger.removePending('aws-h1')).toBe(false);
    expect(await ledger.removePending('aws-h2')).toBe(false);
    expect(group.desiredCapacity).toBe(0);
    expect(group.liveInstances()).toEqual([]);
    // the ended instances could not take a host now either
    for (const instance of booted) expect(await ledger.claim(instance.instanceId, '10.0.0.1')).toEqual({ kind: 'retired' });
  });

  it('removing a host that no instance took yet ends an instance booting for it, or lowers the desired capacity', async () => {
    boot = 'silent';
    await ledger.addPending([credentials('aws-p1')]);
    await group.setDesiredCapacity(GROUP, 1);
    await waitFor('an instance', async () => booted.length === 1, 5000);
    await provider.removeHost('aws-p1');
    expect(mutations().at(-1)).toBe(`terminateInstanceAndDecrement ${booted[0]!.instanceId}`);
    expect(group.desiredCapacity).toBe(0);
    expect(await ledger.claim(booted[0]!.instanceId, '10.0.0.1')).toEqual({ kind: 'retired' });

    // AWS has not started the instance yet: nothing to end, so the desired capacity goes down
    group = new FakeAutoScaling({ name: GROUP, minSize: 0, maxSize: 6, holdLaunches: true });
    provider = new AwsHostProvider({ autoScaling: group, ledger, groupName: GROUP, capacity: CAPACITY, enrollTimeoutMs: 3000, pollMs: 20 });
    await ledger.addPending([credentials('aws-p2')]);
    await group.setDesiredCapacity(GROUP, 1);
    await provider.removeHost('aws-p2');
    expect(mutations()).toEqual([`setDesiredCapacity ${GROUP} 1`, `setDesiredCapacity ${GROUP} 0`]);
    group.launchHeld();
    expect(group.liveInstances()).toEqual([]);
  });

  it('instances the group started on its own (its initial size) become hosts too', async () => {
    makeGroup({ desiredCapacity: 2 });
    await waitFor('two hosts', async () => (await provider.list()).length === 2, 5000);
    const listed = await provider.list();
    for (const host of listed) {
      expect(host.id).toMatch(/^aws-[0-9a-f]{8}$/);
      expect(await hosts.get(host.id)).toMatchObject({ provider: 'aws' });
    }
    await provider.removeHost(listed[0]!.id);
    expect(group.desiredCapacity).toBe(1);
  });

  it('changes to the group\'s size run one at a time', async () => {
    await Promise.all([provider.addHosts([credentials('aws-h1'), credentials('aws-h2')]), provider.addHosts([credentials('aws-h3')])]);
    expect(mutations()).toEqual([`setDesiredCapacity ${GROUP} 2`, `setDesiredCapacity ${GROUP} 3`]);
    expect((await provider.list()).map((h) => h.id)).toEqual(['aws-h1', 'aws-h2', 'aws-h3']);
  });

  it('works the same through the real SDK client against an endpoint on 127.0.0.1 that answers like AWS', async () => {
    const endpoint = await startFakeAwsEndpoint(group);
    try {
      const api = sdkAutoScaling({ region: 'us-east-1', endpoint: endpoint.url, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' }, maxAttempts: 1 });
      const overHttp = new AwsHostProvider({
        autoScaling: api,
        ledger,
        groupName: GROUP,
        capacity: CAPACITY,
        enrollTimeoutMs: 3000,
        pollMs: 20,
      });
      await overHttp.addHosts([credentials('aws-h1'), credentials('aws-h2')]);
      await overHttp.removeHost('aws-h1');
      expect((await overHttp.list()).map((h) => h.id)).toEqual(['aws-h2']);
      expect(endpoint.received.map((r) => r.action)).toEqual(
        expect.arrayContaining(['DescribeAutoScalingGroups', 'SetDesiredCapacity', 'DescribeAutoScalingInstances', 'TerminateInstanceInAutoScalingGroup']),
      );
      const elsewhere = new AwsHostProvider({ autoScaling: api, ledger, groupName: 'no-such-group', capacity: CAPACITY, enrollTimeoutMs: 100 });
      await expect(elsewhere.list()).rejects.toThrow('there is no auto scaling group no-such-group');
    } finally {
      await endpoint.close();
    }
  });
});

// The conformance suite: a real control plane (Redis, NATS, the enrollment handler wired by
// platform.ts for SLIPWAY_HOST_PROVIDER=aws) with an in-memory group whose instances boot by
// running the agent's enrollment and registration code over NATS.
hostProviderConformance('aws', async () => {
  const instances: SimulatedInstance[] = [];
  let cp: TestControlPlane | null = null;
  let next = 0;
  const group: FakeAutoScaling = new FakeAutoScaling({
    name: GROUP,
    minSize: 0,
    maxSize: 20,
    onLaunch: (instance) => {
      instances.push(
        bootSimulatedInstance({ natsUrl: cp!.nats.url, instanceId: instance.instanceId, address: `10.42.7.${++next}`, enrollmentSecret: SECRET, capacity: CAPACITY }),
      );
    },
  });
  cp = await startTestControlPlane(
    {
      SLIPWAY_HOST_PROVIDER: 'aws',
      SLIPWAY_AWS_REGION: 'us-east-1',
      SLIPWAY_AWS_ENGINE_GROUP: GROUP,
      SLIPWAY_AWS_ENGINE_MEMORY_MB: String(CAPACITY.memoryMb),
      SLIPWAY_AWS_ENGINE_CPUS: String(CAPACITY.cpus),
      SLIPWAY_ENROLLMENT_SECRET: SECRET,
    },
    { builder: NO_BUILDS, autoScaling: group },
  );
  const redis = new Redis(cp.redis.url);
  const { hosts } = cp.controlPlane.services;
  const provider = new AwsHostProvider({
    autoScaling: group,
    ledger: new RedisHostLedger(redis, SECRET),
    groupName: GROUP,
    capacity: CAPACITY,
    enrollTimeoutMs: 30_000,
    pollMs: 50,
  });
  return {
    provider: {
      name: provider.name,
      list: () => provider.list(),
      removeHost: (id) => provider.removeHost(id),
      // The control plane issues credentials (and the host's record) before a provider starts the host.
      addHosts: async (wanted) => {
        for (const c of wanted) {
          await hosts.setTokenHash(c.hostId, hashSecret(c.token));
          await hosts.save({ id: c.hostId, provider: 'aws', state: 'down', address: '', capacity: { memoryMb: 0, cpus: 0 }, lastHeartbeat: null, createdAt: new Date().toISOString() });
        }
        return provider.addHosts(wanted);
      },
    },
    joined: async (c) => {
      await waitFor(`${c.hostId} to join`, async () => (await hosts.get(c.hostId))?.state === 'up', 30_000);
    },
    cleanup: async () => {
      await Promise.all(instances.map((instance) => instance.stop()));
      redis.disconnect();
      await cp?.stop();
    },
  };
});

test('the conformance harness\'s instances really enroll: a wrong secret joins nothing', async () => {
  // Guards the harness above: its hosts join only because enrollment accepted them.
  const cp = await startTestControlPlane(
    {
      SLIPWAY_HOST_PROVIDER: 'aws',
      SLIPWAY_AWS_REGION: 'us-east-1',
      SLIPWAY_AWS_ENGINE_GROUP: GROUP,
      SLIPWAY_AWS_ENGINE_MEMORY_MB: '1024',
      SLIPWAY_AWS_ENGINE_CPUS: '1',
      SLIPWAY_ENROLLMENT_SECRET: SECRET,
    },
    { builder: NO_BUILDS, autoScaling: new FakeAutoScaling({ name: GROUP, minSize: 0, maxSize: 1, desiredCapacity: 1 }) },
  );
  const nats = await connect({ servers: cp.nats.url });
  try {
    const wrong = `${SECRET.slice(0, -1)}X`;
    const reply = await nats.request(
      'slipway.enroll',
      encode({ enrollmentSecret: wrong, instanceId: `i-${randomBytes(9).toString('hex').slice(0, 17)}`, address: '10.0.0.1', publicKey: newEnrollmentKeyPair().publicKey }),
      { timeout: 5000 },
    );
    expect(JSON.parse(new TextDecoder().decode(reply.data))).toEqual({ ok: false, error: 'enrollment refused' });
    expect(await cp.controlPlane.services.hosts.list()).toEqual([]);
  } finally {
    await nats.close();
    await cp.stop();
  }
});
