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
      stackImages: {},
      pypiIndexUrl: 'https://pypi.org/simple',
      goProxy: 'https://proxy.golang.org',
      mavenRepository: 'https://repo1.maven.org/maven2',
      limits: DEFAULT_LIMITS,
      dockerCli: '/usr/bin/docker',
      dockerBaseMirror: null,
      log: DEFAULT_LOG_LIMITS,
      labels: undefined,
      metadataMaxAgeSeconds: 600,
      buildpackRegistry: {},
      buildpackFetch: DEFAULT_BUILDPACK_FETCH,
      platformName: 'Slipway',
    });
    expect(DEFAULT_BUILDPACK_FETCH).toEqual({ timeoutSeconds: 120, maxBytes: 100 * 1024 * 1024 });
  });

  it('requires both stack images or neither, for each stack', () => {
    expect(() => builderConfig({ registry: 'r:1', baseDir: '/b', stackImages: { trixie: { runImage: 'x/run:1' } } })).toThrow(
      /builder stack trixie: configure both runImage and buildImage, or neither/,
    );
    expect(builderConfig({ registry: 'r:1', baseDir: '/b', stackImages: { bookworm: {} } }).stackImages).toEqual({});
  });

  it('keeps operator images per stack name', () => {
    const config = builderConfig({
      registry: 'r:1',
      baseDir: '/b',
      stackImages: { trixie: { runImage: 'x/run:13', buildImage: 'x/build:13' } },
    });
    expect(config.stackImages).toEqual({ trixie: { runImage: 'x/run:13', buildImage: 'x/build:13' } });
  });

  it('refuses images for a stack that does not exist, naming the stacks', () => {
    expect(() =>
      builderConfig({ registry: 'r:1', baseDir: '/b', stackImages: { jessie: { runImage: 'a', buildImage: 'b' } } }),
    ).toThrow(new ConfigError('builder stack images: no stack is named jessie (stacks: bookworm, trixie)'));
  });

  it('takes a Go module proxy without its trailing slash', () => {
    expect(builderConfig({ registry: 'r:1', baseDir: '/b', goProxy: 'https://goproxy.internal/' }).goProxy).toBe('https://goproxy.internal');
  });

  it('takes a Maven repository without its trailing slash', () => {
    expect(builderConfig({ registry: 'r:1', baseDir: '/b', mavenRepository: 'https://maven.example.test/repo/' }).mavenRepository).toBe(
      'https://maven.example.test/repo',
    );
  });
});
