// The hosts stack's program, offline against Pulumi's mocks: one instance per configured host,
// from the shared launch template, with user-data of its own carrying only its own token.
import * as pulumi from '@pulumi/pulumi';
import { beforeAll, expect, test } from 'vitest';
import { parseCloudConfig } from './cloud-init.js';
import { AGENT_ENV_FILE } from './engine-user-data.js';
import { installPulumiMocks, isSecret, resolve, type MockRecorder } from './mock-pulumi.js';

let mocks: MockRecorder;
let hostsProgram: typeof import('./hosts-program.js');

const TOKENS = { h1: 'slh_token-of-host-one-0123456789', h2: 'slh_token-of-host-two-0123456789' };

beforeAll(async () => {
  mocks = await installPulumiMocks('production-hosts');
  hostsProgram = await import('./hosts-program.js');
});

function input(placements: Record<string, string>, tokens: Record<string, string> = TOKENS) {
  return {
    infraStack: 'production',
    launchTemplateId: 'lt-0abc',
    engineInstanceType: 't3.large',
    natsAddress: 'nats.slipway.internal:4222',
    registry: '123456789012.dkr.ecr.us-east-1.amazonaws.com',
    agentImage: '123456789012.dkr.ecr.us-east-1.amazonaws.com/slipway/production/agent:0.1.0',
    placements,
    tokens: pulumi.secret(tokens),
  };
}

function agentEnv(userData: string): Record<string, string> {
  const file = parseCloudConfig(userData).write_files.find((f) => f.path === AGENT_ENV_FILE)!;
  return Object.fromEntries(file.content.trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
}

test('each host is an instance from the engine launch template, in its placed subnet, with its own secret user-data', async () => {
  mocks.reset();
  const outputs = hostsProgram.createEngineHosts(input({ h1: 'subnet-0a', h2: 'subnet-0b' }));
  const hosts = await resolve(outputs.hosts);
  await mocks.settle();
  const instances = mocks.ofType('aws:ec2/instance:Instance');
  expect(instances.map((i) => i.name).sort()).toEqual(['host-h1', 'host-h2']);
  for (const [hostId, subnetId] of [['h1', 'subnet-0a'], ['h2', 'subnet-0b']] as const) {
    const instance = mocks.named('aws:ec2/instance:Instance', `host-${hostId}`);
    expect(instance.inputs.launchTemplate).toEqual({ id: 'lt-0abc', version: '$Default' });
    expect(instance.inputs.subnetId).toBe(subnetId);
    expect(instance.inputs.associatePublicIpAddress).toBe(false);
    // nothing from the hardened template is overridden
    for (const field of ['metadataOptions', 'rootBlockDevice', 'iamInstanceProfile', 'vpcSecurityGroupIds', 'securityGroups', 'ami']) {
      expect(instance.inputs[field]).toBeUndefined();
    }
    expect(instance.secretPaths).toContain('userData');
    expect(instance.inputs.userDataReplaceOnChange).toBe(true);
    expect(instance.inputs.tags).toMatchObject({ 'slipway:stack': 'production', 'slipway:role': 'engine-host', 'slipway:host-id': hostId });
    const env = agentEnv(instance.inputs.userData);
    expect(env.SLIPWAY_HOST_ID).toBe(hostId);
    expect(env.SLIPWAY_HOST_TOKEN).toBe(TOKENS[hostId]);
    const other = hostId === 'h1' ? TOKENS.h2 : TOKENS.h1;
    expect(instance.inputs.userData).not.toContain(other);
  }
  expect(Object.keys(hosts).sort()).toEqual(['h1', 'h2']);
  expect(hosts.h1).toMatchObject({ subnetId: 'subnet-0a', capacity: { memoryMb: 8192, cpus: 2 } });
  expect(hosts.h1!.instanceId).toMatch(/^i-/);
  expect(hosts.h1!.address).toMatch(/^10\.42\.0\.\d+$/);
  expect(await isSecret(outputs.hosts)).toBe(false);
  expect(mocks.calls.find((c) => c.token === 'aws:ec2/getInstanceType:getInstanceType')?.inputs).toEqual({ instanceType: 't3.large' });
});

test('no hosts configured: no instances', async () => {
  mocks.reset();
  const outputs = hostsProgram.createEngineHosts(input({}, {}));
  expect(await resolve(outputs.hosts)).toEqual({});
  await mocks.settle();
  expect(mocks.ofType('aws:ec2/instance:Instance')).toEqual([]);
});

test('a host without a token fails the program instead of booting without credentials', () => {
  expect(hostsProgram.tokenFor(TOKENS, 'h2')).toBe(TOKENS.h2);
  expect(() => hostsProgram.tokenFor(TOKENS, 'h3')).toThrow(/host h3 has no token/);
});

test('the program reads its config: placements plain, tokens secret', async () => {
  pulumi.runtime.setAllConfig(
    {
      'slipway:infraStack': 'production',
      'slipway:launchTemplateId': 'lt-0abc',
      'slipway:engineInstanceType': 't3.large',
      'slipway:natsAddress': 'nats.slipway.internal:4222',
      'slipway:registry': '123456789012.dkr.ecr.us-east-1.amazonaws.com',
      'slipway:agentImage': '123456789012.dkr.ecr.us-east-1.amazonaws.com/slipway/production/agent:0.1.0',
      'slipway:hostPlacements': JSON.stringify({ h1: 'subnet-0a' }),
      'slipway:hostTokens': JSON.stringify({ h1: TOKENS.h1 }),
    },
    ['slipway:hostTokens'],
  );
  const read = hostsProgram.readHostsProgramInput();
  expect(read.placements).toEqual({ h1: 'subnet-0a' });
  expect(await isSecret(read.tokens)).toBe(true);
  expect(await resolve(read.tokens)).toEqual({ h1: TOKENS.h1 });
});
