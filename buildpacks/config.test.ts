import { describe, expect, it } from 'vitest';
import { ConfigError } from '../common/errors.js';
import { builderConfig, builderConfigFromEnv, DEFAULT_LIMITS } from './config.js';

describe('builderConfig', () => {
  it('fills in the defaults under the base directory', () => {
    expect(builderConfig({ registry: '127.0.0.1:5000', baseDir: '/srv/build' })).toEqual({
      registry: '127.0.0.1:5000',
      registryAuthFile: undefined,
      registryInsecure: false,
      workDir: '/srv/build/work',
      cacheDir: '/srv/build/cache',
      caFile: '/etc/ssl/certs/ca-certificates.crt',
      npmRegistry: 'https://registry.npmjs.org',
      stack: { runImage: undefined, buildImage: undefined },
      limits: DEFAULT_LIMITS,
      labels: undefined,
      metadataMaxAgeSeconds: 600,
    });
  });

  it('requires both stack images or neither', () => {
    expect(() => builderConfig({ registry: 'r:1', baseDir: '/b', stack: { runImage: 'x/run:1' } })).toThrow(ConfigError);
  });
});

describe('builderConfigFromEnv', () => {
  it('reads the SLIPWAY_ variables', () => {
    const config = builderConfigFromEnv({
      SLIPWAY_REGISTRY: '10.0.0.5:5000',
      SLIPWAY_BUILD_DIR: '/data/build',
      SLIPWAY_NPM_REGISTRY: 'https://npm.example.com/',
      SLIPWAY_BUILD_MEMORY_MB: '4096',
      SLIPWAY_BUILD_TIMEOUT_SECONDS: '1200',
      SLIPWAY_STACK_RUN_IMAGE: 'registry.example/stack-run:1',
      SLIPWAY_STACK_BUILD_IMAGE: 'registry.example/stack-build:1',
    });
    expect(config).toMatchObject({
      registry: '10.0.0.5:5000',
      workDir: '/data/build/work',
      npmRegistry: 'https://npm.example.com',
      limits: { memoryMb: 4096, cpus: 1, timeoutSeconds: 1200 },
      stack: { runImage: 'registry.example/stack-run:1', buildImage: 'registry.example/stack-build:1' },
    });
  });

  it('reads the registry credentials file and the plain-HTTP switch, and takes a registry without a port (ECR)', () => {
    const ecr = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
    expect(
      builderConfigFromEnv({ SLIPWAY_REGISTRY: ecr, SLIPWAY_REGISTRY_AUTH_FILE: '/run/slipway/registry/auth.json', SLIPWAY_REGISTRY_INSECURE: 'true' }),
    ).toMatchObject({ registry: ecr, registryAuthFile: '/run/slipway/registry/auth.json', registryInsecure: true });
    expect(builderConfigFromEnv({ SLIPWAY_REGISTRY: '127.0.0.1:5000' })).toMatchObject({ registryAuthFile: undefined, registryInsecure: false });
    expect(() => builderConfigFromEnv({ SLIPWAY_REGISTRY: ecr, SLIPWAY_REGISTRY_AUTH_FILE: 'auth.json' })).toThrow(/SLIPWAY_REGISTRY_AUTH_FILE/);
    expect(() => builderConfigFromEnv({ SLIPWAY_REGISTRY: ecr, SLIPWAY_REGISTRY_INSECURE: 'maybe' })).toThrow(/SLIPWAY_REGISTRY_INSECURE/);
  });

  it('defaults the build directory under SLIPWAY_HOME', () => {
    expect(builderConfigFromEnv({ SLIPWAY_REGISTRY: '127.0.0.1:5000', SLIPWAY_HOME: '/home/s/.slipway' }).cacheDir).toBe('/home/s/.slipway/build/cache');
  });

  it('names every bad variable', () => {
    expect(() => builderConfigFromEnv({ SLIPWAY_REGISTRY: 'not a host', SLIPWAY_BUILD_CPUS: '-1' })).toThrow(/SLIPWAY_REGISTRY.*SLIPWAY_BUILD_CPUS|SLIPWAY_BUILD_CPUS.*SLIPWAY_REGISTRY/);
    expect(() => builderConfigFromEnv({ SLIPWAY_REGISTRY: 'r:1', SLIPWAY_STACK_RUN_IMAGE: 'x' })).toThrow(/both/);
  });
});
