import { expect, test } from 'vitest';
import { ConfigError } from '../../common/errors.js';
import { thrown } from '../../test/support/thrown.js';
import { awsHostEnvironment, parseAwsHostSettings, type AwsHostSettings } from './hosts-settings.js';

const SETTINGS: AwsHostSettings = {
  region: 'us-east-1',
  engineGroupName: 'slipway-engine-0123abcd',
  engineCapacity: { memoryMb: 8192, cpus: 2 },
  enrollmentSecret: 'enrollment-secret-0123456789abcdef',
  enrollTimeoutMs: 900_000,
  endpoint: null,
};

test('the environment written for the control plane parses back to the same settings', () => {
  const env = awsHostEnvironment(SETTINGS);
  expect(env).toEqual({
    SLIPWAY_AWS_REGION: 'us-east-1',
    SLIPWAY_AWS_ENGINE_GROUP: 'slipway-engine-0123abcd',
    SLIPWAY_AWS_ENGINE_MEMORY_MB: '8192',
    SLIPWAY_AWS_ENGINE_CPUS: '2',
    SLIPWAY_ENROLLMENT_SECRET: 'enrollment-secret-0123456789abcdef',
    SLIPWAY_AWS_ENROLL_TIMEOUT_SECONDS: '900',
  });
  expect(parseAwsHostSettings(env)).toEqual(SETTINGS);
  const withEndpoint = { ...SETTINGS, endpoint: 'https://autoscaling.us-east-1.amazonaws.com' };
  expect(parseAwsHostSettings(awsHostEnvironment(withEndpoint))).toEqual(withEndpoint);
});

test('missing or malformed settings are one ConfigError naming them, never echoing the secret', () => {
  const env = awsHostEnvironment(SETTINGS);
  const { SLIPWAY_AWS_ENGINE_GROUP: _dropped, ...rest } = env;
  expect(() => parseAwsHostSettings(rest)).toThrow(ConfigError);
  expect(() => parseAwsHostSettings({ ...env, SLIPWAY_AWS_REGION: 'mars' })).toThrow(/SLIPWAY_AWS_REGION/);
  expect(() => parseAwsHostSettings({ ...env, SLIPWAY_AWS_ENGINE_CPUS: '0' })).toThrow(/SLIPWAY_AWS_ENGINE_CPUS/);
  const shortSecret = 'too-short';
  expect(() => parseAwsHostSettings({ ...env, SLIPWAY_ENROLLMENT_SECRET: shortSecret })).toThrow(/SLIPWAY_ENROLLMENT_SECRET/);
  const error = thrown(() => parseAwsHostSettings({ ...env, SLIPWAY_ENROLLMENT_SECRET: 'has spaces in it 0123456789' }));
  expect(error.message).toContain('SLIPWAY_ENROLLMENT_SECRET');
  expect(error.message).not.toContain('has spaces');
});
