// The aws host provider against a fake hosts stack (config in memory; `up` computes outputs
// from config the way the hosts program does), and the real provider on this machine, which
// has no Pulumi CLI: it must say so clearly.
import { expect, test } from 'vitest';
import { PULUMI_CLI_MISSING_MESSAGE, PulumiCliMissingError, type ConfigValue, type StackDriver } from '../automation.js';
import type { HostProvider } from '../provider.js';
import { parseHostSet } from './host-set.js';
import type { HostsStackSettings } from './hosts-settings.js';
import { HOSTS_CONFIG } from './hosts-stack-config.js';
import { AwsHostProvider, createAwsHostProvider, HostProvisioningError, provisionedHosts } from './provider.js';

const SETTINGS: HostsStackSettings = {
  region: 'us-east-1',
  infraStack: 'production',
  stackName: 'production-hosts',
  backendUrl: 's3://bucket?region=us-east-1',
  secretsProvider: 'awskms://key?region=us-east-1',
  workDir: '/var/lib/slipway/hosts-stack',
  launchTemplateId: 'lt-0abc',
  subnetIds: ['subnet-0a', 'subnet-0b'],
  engineInstanceType: 't3.large',
  natsAddress: 'nats.slipway.internal:4222',
  registry: '123456789012.dkr.ecr.us-east-1.amazonaws.com',
  agentImage: '123456789012.dkr.ecr.us-east-1.amazonaws.com/slipway/production/agent:0.1.0',
};

/** A hosts stack in memory: `up` turns the config into the outputs the real program produces. */
class FakeHostsStack implements StackDriver {
  readonly stackName = 'production-hosts';
  config: Record<string, ConfigValue> = {};
  deployed: Record<string, unknown> = {};
  log: string[] = [];
  failNextUps = 0;

  async preview() {}
  async destroy() {
    this.deployed = {};
  }
  async getConfig() {
    return { ...this.config };
  }
  async setConfig(values: Readonly<Record<string, ConfigValue>>) {
    this.log.push(`config ${Object.keys(parseHostSet(values[HOSTS_CONFIG.placements]?.value, values[HOSTS_CONFIG.tokens]?.value).placements).sort().join(',')}`);
    this.config = { ...this.config, ...values };
  }
  async up() {
    this.log.push('up');
    if (this.failNextUps > 0) {
      this.failNextUps--;
      throw new Error('AWS said no');
    }
    const set = parseHostSet(this.config[HOSTS_CONFIG.placements]?.value, this.config[HOSTS_CONFIG.tokens]?.value);
    this.deployed = {
      hosts: Object.fromEntries(
        Object.entries(set.placements).map(([id, subnetId], index) => [
          id,
          { instanceId: `i-${index}`, address: `10.42.0.${10 + index}`, availabilityZone: 'us-east-1a', subnetId, capacity: { memoryMb: 8192, cpus: 2 } },
        ]),
      ),
    };
  }
  async outputs() {
    return this.deployed;
  }
}

function setup() {
  const stack = new FakeHostsStack();
  let opened = 0;
  const provider: HostProvider = new AwsHostProvider({ settings: SETTINGS, openStack: async () => (opened++, stack) });
  return { stack, provider, opens: () => opened };
}

test('adds hosts with their own credentials, spread over the zones, and lists them', async () => {
  const { stack, provider, opens } = setup();
  expect(provider.name).toBe('aws');
  expect(await provider.list()).toEqual([]);
  const added = await provider.addHosts([
    { hostId: 'h1', token: 'slh_token-one-0123456789' },
    { hostId: 'h2', token: 'slh_token-two-0123456789' },
  ]);
  expect(added).toEqual([
    { id: 'h1', provider: 'aws', address: '10.42.0.10', capacity: { memoryMb: 8192, cpus: 2 } },
    { id: 'h2', provider: 'aws', address: '10.42.0.11', capacity: { memoryMb: 8192, cpus: 2 } },
  ]);
  expect(stack.config[HOSTS_CONFIG.tokens]).toEqual({ value: JSON.stringify({ h1: 'slh_token-one-0123456789', h2: 'slh_token-two-0123456789' }), secret: true });
  expect(stack.config[HOSTS_CONFIG.placements]).toEqual({ value: JSON.stringify({ h1: 'subnet-0a', h2: 'subnet-0b' }), secret: false });
  expect(stack.config[HOSTS_CONFIG.launchTemplateId]).toEqual({ value: 'lt-0abc', secret: false });
  expect(stack.config[HOSTS_CONFIG.region]).toEqual({ value: 'us-east-1', secret: false });
  expect((await provider.list()).map((h) => h.id)).toEqual(['h1', 'h2']);
  expect(opens()).toBe(1);
});

test('adding a third host leaves the others alone and fills the emptier zone', async () => {
  const { stack, provider } = setup();
  await provider.addHosts([{ hostId: 'h1', token: 'slh_token-one-0123456789' }]);
  const [third] = await provider.addHosts([{ hostId: 'h3', token: 'slh_token-three-012345678' }]);
  expect(third?.id).toBe('h3');
  expect(JSON.parse(stack.config[HOSTS_CONFIG.placements]!.value)).toEqual({ h1: 'subnet-0a', h3: 'subnet-0b' });
  await expect(provider.addHosts([{ hostId: 'h1', token: 'slh_other-token-0123456' }])).rejects.toThrow(/already exists/);
});

test('removing a host takes it (and only its token) out of the stack; removing it again is a no-op', async () => {
  const { stack, provider } = setup();
  await provider.addHosts([
    { hostId: 'h1', token: 'slh_token-one-0123456789' },
    { hostId: 'h2', token: 'slh_token-two-0123456789' },
  ]);
  await provider.removeHost('h1');
  expect((await provider.list()).map((h) => h.id)).toEqual(['h2']);
  expect(JSON.parse(stack.config[HOSTS_CONFIG.tokens]!.value)).toEqual({ h2: 'slh_token-two-0123456789' });
  const ups = stack.log.filter((entry) => entry === 'up').length;
  await provider.removeHost('h1');
  expect(stack.log.filter((entry) => entry === 'up').length).toBe(ups);
});

test('a failed add puts the config back and cleans up, so no host runs with credentials about to be revoked', async () => {
  const { stack, provider } = setup();
  await provider.addHosts([{ hostId: 'h1', token: 'slh_token-one-0123456789' }]);
  stack.log = [];
  stack.failNextUps = 1;
  const failure = provider.addHosts([{ hostId: 'h2', token: 'slh_token-two-0123456789' }]);
  await expect(failure).rejects.toBeInstanceOf(HostProvisioningError);
  await expect(failure).rejects.toThrow('could not add hosts h2');
  expect(stack.log).toEqual(['config h1,h2', 'up', 'config h1', 'up']);
  expect((await provider.list()).map((h) => h.id)).toEqual(['h1']);
  // the error never carries a token
  const error = await failure.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err as Error,
  );
  expect(JSON.stringify({ message: error.message, cause: String(error.cause) })).not.toContain('slh_token');
});

test('a failed remove keeps the host out of the config, so the next operation finishes it', async () => {
  const { stack, provider } = setup();
  await provider.addHosts([{ hostId: 'h1', token: 'slh_token-one-0123456789' }]);
  stack.failNextUps = 1;
  await expect(provider.removeHost('h1')).rejects.toThrow('could not remove host h1');
  expect(JSON.parse(stack.config[HOSTS_CONFIG.placements]!.value)).toEqual({});
  await provider.addHosts([{ hostId: 'h2', token: 'slh_token-two-0123456789' }]);
  expect((await provider.list()).map((h) => h.id)).toEqual(['h2']);
});

test('operations run one at a time, in the order asked', async () => {
  const { stack, provider } = setup();
  await Promise.all([
    provider.addHosts([{ hostId: 'h1', token: 'slh_token-one-0123456789' }]),
    provider.addHosts([{ hostId: 'h2', token: 'slh_token-two-0123456789' }]),
    provider.removeHost('h1'),
  ]);
  expect(stack.log).toEqual(['config h1', 'up', 'config h1,h2', 'up', 'config h2', 'up']);
  expect((await provider.list()).map((h) => h.id)).toEqual(['h2']);
});

test('a stack that cannot be opened is retried on the next call', async () => {
  const stack = new FakeHostsStack();
  let attempts = 0;
  const provider = new AwsHostProvider({
    settings: SETTINGS,
    openStack: async () => {
      attempts++;
      if (attempts === 1) throw new PulumiCliMissingError();
      return stack;
    },
  });
  await expect(provider.list()).rejects.toBeInstanceOf(PulumiCliMissingError);
  expect(await provider.list()).toEqual([]);
});

test('outputs that are not what the hosts program produces are an error, not an empty list', () => {
  expect(() => provisionedHosts({ hosts: { h1: { address: 1 } } })).toThrow(HostProvisioningError);
  expect(provisionedHosts({})).toEqual([]);
});

test('the real provider on a machine without the Pulumi CLI fails every call with the one clear message', async () => {
  const provider = createAwsHostProvider(SETTINGS, { path: '/nonexistent-slipway-bin:/also-missing' });
  await expect(provider.list()).rejects.toBeInstanceOf(PulumiCliMissingError);
  await expect(provider.addHosts([{ hostId: 'h1', token: 'slh_token-one-0123456789' }])).rejects.toThrow(PULUMI_CLI_MISSING_MESSAGE);
  await expect(provider.removeHost('h1')).rejects.toThrow(PULUMI_CLI_MISSING_MESSAGE);
});
