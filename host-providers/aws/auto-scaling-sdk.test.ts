// The real Auto Scaling client (AWS SDK v3), offline: against a stand-in on 127.0.0.1 that
// speaks AWS's Query protocol over the in-memory group, and against a port where nothing
// listens. No request leaves this machine (the endpoint and the credentials are given, so the
// SDK never looks for an instance role through IMDS).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freePort } from '../../common/ports.js';
import { AutoScalingError } from './auto-scaling.js';
import { autoScalingFailure, sdkAutoScaling } from './auto-scaling-sdk.js';
import { FakeAutoScaling } from './testing/fake-auto-scaling.js';
import { startFakeAwsEndpoint, type FakeAwsEndpoint } from './testing/fake-aws-endpoint.js';

const CREDENTIALS = { accessKeyId: 'AKIDSLIPWAYTEST', secretAccessKey: 'not-a-real-secret-key' };
const GROUP = 'slipway-engine-0123abcd';

describe('against an endpoint that answers like AWS', () => {
  let group: FakeAutoScaling;
  let endpoint: FakeAwsEndpoint;
  let api: ReturnType<typeof sdkAutoScaling>;

  beforeAll(async () => {
    // A terminating instance stays described long enough to be asked about, however busy the machine.
    group = new FakeAutoScaling({ name: GROUP, minSize: 0, maxSize: 5, desiredCapacity: 1, terminatingMs: 10_000 });
    endpoint = await startFakeAwsEndpoint(group);
    api = sdkAutoScaling({ region: 'us-east-1', endpoint: endpoint.url, credentials: CREDENTIALS, maxAttempts: 1 });
  });

  afterAll(async () => {
    await endpoint?.close();
  });

  test('describes the group: sizes and instances', async () => {
    await new Promise((done) => setImmediate(done));
    const described = await api.describeGroup(GROUP);
    expect(described).toMatchObject({ name: GROUP, minSize: 0, maxSize: 5, desiredCapacity: 1 });
    expect(described!.instances).toHaveLength(1);
    expect(described!.instances[0]).toMatchObject({ lifecycleState: 'InService', availabilityZone: 'us-east-1a' });
    expect(described!.instances[0]!.instanceId).toMatch(/^i-[0-9a-f]{17}$/);
    expect(await api.describeGroup('no-such-group')).toBeNull();
    const request = endpoint.received.find((r) => r.action === 'DescribeAutoScalingGroups')!;
    expect(request.params).toMatchObject({ Version: '2011-01-01', 'AutoScalingGroupNames.member.1': GROUP });
    // signed (SigV4) with the credentials it was given
    expect(request.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDSLIPWAYTEST\/\d{8}\/us-east-1\/autoscaling\/aws4_request/);
  });

  test('tells which group holds an instance', async () => {
    const [instance] = group.liveInstances();
    expect(await api.describeInstance(instance!.instanceId)).toEqual({ instanceId: instance!.instanceId, groupName: GROUP, lifecycleState: 'InService' });
    const foreign = group.addForeignInstance('someone-elses-group');
    expect(await api.describeInstance(foreign)).toMatchObject({ groupName: 'someone-elses-group' });
    expect(await api.describeInstance('i-00000000000000000')).toBeNull();
  });

  test('sets the desired capacity without honouring cooldowns, and passes AWS\'s refusals on', async () => {
    await api.setDesiredCapacity(GROUP, 3);
    expect(group.desiredCapacity).toBe(3);
    expect(endpoint.received.at(-1)!.params).toMatchObject({ Action: 'SetDesiredCapacity', AutoScalingGroupName: GROUP, DesiredCapacity: '3', HonorCooldown: 'false' });
    const refused = await api.setDesiredCapacity(GROUP, 9).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(AutoScalingError);
    expect((refused as AutoScalingError).code).toBe('ValidationError');
    expect((refused as AutoScalingError).message).toBe(
      'auto scaling SetDesiredCapacity failed (ValidationError): New SetDesiredCapacity value 9 is above max value 5 for the AutoScalingGroup.',
    );
  });

  test('terminates one instance and lowers the desired capacity with it', async () => {
    await new Promise((done) => setImmediate(done));
    const [victim] = group.liveInstances();
    await api.terminateInstanceAndDecrement(victim!.instanceId);
    expect(endpoint.received.at(-1)!.params).toMatchObject({
      Action: 'TerminateInstanceInAutoScalingGroup',
      InstanceId: victim!.instanceId,
      ShouldDecrementDesiredCapacity: 'true',
    });
    expect(group.desiredCapacity).toBe(2);
    expect((await api.describeInstance(victim!.instanceId))?.lifecycleState).toBe('Terminating');
    const unknown = await api.terminateInstanceAndDecrement('i-00000000000000000').catch((err: unknown) => err);
    expect(unknown).toMatchObject({ code: 'ValidationError' });
  });
});

test('an endpoint where nothing listens is one clear network error', async () => {
  const api = sdkAutoScaling({ region: 'us-east-1', endpoint: `http://127.0.0.1:${await freePort()}`, credentials: CREDENTIALS, maxAttempts: 1 });
  const failure = await api.describeGroup(GROUP).catch((err: unknown) => err);
  expect(failure).toBeInstanceOf(AutoScalingError);
  expect((failure as AutoScalingError).code).toBe('NetworkError');
  expect((failure as AutoScalingError).message).toBe('auto scaling DescribeAutoScalingGroups failed (NetworkError): could not reach the Auto Scaling API (ECONNREFUSED)');
});

test('no credentials at all is one clear error, before anything is sent', async () => {
  const endpoint = await startFakeAwsEndpoint(new FakeAutoScaling({ name: GROUP, minSize: 0, maxSize: 1 }));
  try {
    const noCredentials = async () => {
      throw Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
    };
    const api = sdkAutoScaling({ region: 'us-east-1', endpoint: endpoint.url, credentials: noCredentials, maxAttempts: 1 });
    const failure = await api.setDesiredCapacity(GROUP, 1).catch((err: unknown) => err);
    expect(failure).toMatchObject({ code: 'CredentialsError' });
    expect((failure as Error).message).toContain('no AWS credentials');
    expect(endpoint.received).toEqual([]);
  } finally {
    await endpoint.close();
  }
});

test('failures are classified without echoing what was sent', () => {
  expect(autoScalingFailure('X', Object.assign(new Error('boom'), { code: 'ECONNRESET' })).code).toBe('NetworkError');
  expect(autoScalingFailure('X', Object.assign(new Error('denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } })).code).toBe('AccessDenied');
  expect(autoScalingFailure('X', new Error('weird')).code).toBe('UnknownError');
});
