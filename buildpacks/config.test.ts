import { describe, expect, it } from 'vitest';
import { ConfigError } from '../common/errors.js';
import { builderConfig, DEFAULT_BUILDPACK_FETCH, DEFAULT_LIMITS, DEFAULT_LOG_LIMITS } from './config.js';

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
      log: DEFAULT_LOG_LIMITS,
      labels: undefined,
      metadataMaxAgeSeconds: 600,
      buildpackRegistry: {},
      buildpackFetch: DEFAULT_BUILDPACK_FETCH,
    });
    expect(DEFAULT_BUILDPACK_FETCH).toEqual({ timeoutSeconds: 120, maxBytes: 100 * 1024 * 1024 });
  });

  it('requires both stack images or neither', () => {
    expect(() => builderConfig({ registry: 'r:1', baseDir: '/b', stack: { runImage: 'x/run:1' } })).toThrow(ConfigError);
  });
});
