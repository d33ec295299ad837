import { expect, test } from 'vitest';
import { ConfigError } from '../../common/errors.js';
import { DEFAULT_HOSTS_WORK_DIR, hostsStackEnvironment, parseHostsStackSettings, type HostsStackSettings } from './hosts-settings.js';

const SETTINGS: HostsStackSettings = {
  region: 'us-east-1',
  infraStack: 'production',
  stackName: 'production-hosts',
  backendUrl: 's3://bucket?region=us-east-1',
  secretsProvider: 'awskms://key?region=us-east-1',
  workDir: DEFAULT_HOSTS_WORK_DIR,
  launchTemplateId: 'lt-0abc',
  subnetIds: ['subnet-0a', 'subnet-0b'],
  engineInstanceType: 't3.large',
  natsAddress: 'nats.slipway.internal:4222',
  registry: '123456789012.dkr.ecr.us-east-1.amazonaws.com',
  agentImage: '123456789012.dkr.ecr.us-east-1.amazonaws.com/slipway/production/agent:0.1.0',
};

test('the environment written for the control plane parses back to the same settings', () => {
  const env = hostsStackEnvironment(SETTINGS);
  expect(env.SLIPWAY_AWS_ENGINE_SUBNET_IDS).toBe('subnet-0a,subnet-0b');
  expect(parseHostsStackSettings(env)).toEqual(SETTINGS);
});

test('missing or malformed settings are one ConfigError naming them', () => {
  const env = hostsStackEnvironment(SETTINGS);
  const { SLIPWAY_AWS_ENGINE_LAUNCH_TEMPLATE_ID: _dropped, ...rest } = env;
  expect(() => parseHostsStackSettings(rest)).toThrow(ConfigError);
  expect(() => parseHostsStackSettings({ ...env, SLIPWAY_AWS_ENGINE_SUBNET_IDS: 'subnet-0a,vpc-1' })).toThrow(/SLIPWAY_AWS_ENGINE_SUBNET_IDS/);
  expect(() => parseHostsStackSettings({ ...env, SLIPWAY_AWS_REGION: 'mars' })).toThrow(/SLIPWAY_AWS_REGION/);
});
