import * as pulumi from '@pulumi/pulumi';
import { expect, test } from 'vitest';
import { thrown } from '../../test/support/thrown.js';
import { ConfigError } from '../../common/errors.js';
import { checkSecret, parseInfraSettings, readInfraConfig, SETTING_KEYS } from './config.js';
import { installPulumiMocks, isSecret, resolve } from './testing/mock-pulumi.js';

test('defaults: two zones, NAT per zone, Redis on the control plane, routers 2..4 on 8080/8443, engine hosts 0..10 starting at 2', () => {
  const settings = parseInfraSettings({ domain: 'apps.example.com' });
  expect(settings).toMatchObject({
    domain: 'apps.example.com',
    internalDomain: 'slipway.internal',
    vpcCidr: '10.42.0.0/16',
    zoneCount: 2,
    natGateways: 'per-zone',
    managedRedis: false,
    routerMin: 2,
    routerDesired: 2,
    routerMax: 4,
    routerHttpPort: 8080,
    routerHttpsPort: 8443,
    apiPort: 5780,
    manageRegistryScanning: true,
    engineMin: 0,
    engineDesired: 2,
    engineMax: 10,
  });
  expect(settings.availabilityZones).toBeUndefined();
  expect(settings.amiId).toBeUndefined();
});

test('parses strings as `pulumi config set` stores them', () => {
  const settings = parseInfraSettings({
    domain: 'apps.example.com',
    availabilityZones: '["eu-west-1a","eu-west-1c"]',
    managedRedis: 'true',
    routerMin: '1',
    routerDesired: '3',
    routerMax: '6',
    engineInstanceType: 'm6i.xlarge',
  });
  expect(settings).toMatchObject({ availabilityZones: ['eu-west-1a', 'eu-west-1c'], managedRedis: true, routerDesired: 3, engineInstanceType: 'm6i.xlarge' });
});

test('refuses bad config with one error naming every problem', () => {
  const bad = () =>
    parseInfraSettings({ domain: 'not a domain', vpcCidr: '10.0.0.0/24', routerMin: '3', routerDesired: '2', availabilityZones: '["only-one"]' });
  expect(bad).toThrow(ConfigError);
  expect(bad).toThrow(/domain: .*vpcCidr: .*/);
  expect(() => parseInfraSettings({ domain: 'apps.example.com', routerDesired: '9' })).toThrow(/routerMin <= routerDesired <= routerMax/);
  expect(() => parseInfraSettings({ domain: 'apps.example.com', engineDesired: '11' })).toThrow(/engineMin <= engineDesired <= engineMax/);
  expect(() => parseInfraSettings({ domain: 'apps.example.com', engineMin: '3' })).toThrow(/engineDesired: engineMin <= engineDesired/);
  expect(() => parseInfraSettings({ domain: 'apps.example.com', engineMax: '0', engineDesired: '0' })).toThrow(/at least one engine host/);
  expect(parseInfraSettings({ domain: 'apps.example.com', engineMin: '1', engineDesired: '4', engineMax: '40' })).toMatchObject({ engineMin: 1, engineDesired: 4, engineMax: 40 });
  expect(() => parseInfraSettings({ domain: 'apps.example.com', apiPort: '2375' })).toThrow(/2375\/2376/);
  expect(() => parseInfraSettings({})).toThrow(/domain/);
});

test('secrets must come from the safe alphabet, and the error never shows them', () => {
  expect(checkSecret('x', 'abcdefghijklmnop_-0123')).toBe('abcdefghijklmnop_-0123');
  expect(() => checkSecret('slipway:redisPassword', 'has space in it 012345')).toThrow(/slipway:redisPassword must be/);
  const error = thrown(() => checkSecret('label', 'p@ssword-with-at-sign'));
  expect(error).toBeInstanceOf(ConfigError);
  expect(error.message).not.toContain('p@ssword');
});

test('reads the stack config, keeping secrets secret', async () => {
  await installPulumiMocks('config-test');
  pulumi.runtime.setAllConfig(
    {
      'slipway:domain': 'apps.example.com',
      'slipway:zoneCount': '3',
      'slipway:adminToken': `slw_0123456789abcdef_${'C'.repeat(43)}`,
      'slipway:natsControlPlanePassword': 'cp-password-0123456789abcdef',
      'slipway:natsRouterPassword': 'router-password-0123456789ab',
      'slipway:redisPassword': 'redis-password-0123456789ab',
    },
    ['slipway:adminToken', 'slipway:natsControlPlanePassword', 'slipway:natsRouterPassword', 'slipway:redisPassword'],
  );
  const config = readInfraConfig();
  expect(config.settings.zoneCount).toBe(3);
  expect(await isSecret(config.secrets.adminToken)).toBe(true);
  expect(await resolve(config.secrets.redisPassword)).toBe('redis-password-0123456789ab');
  expect(SETTING_KEYS).toContain('managedRedis');
});
