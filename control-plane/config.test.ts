import { describe, expect, it } from 'vitest';
import { loadControlPlaneConfig } from './config.js';

const required = { SLIPWAY_REDIS_URL: 'redis://127.0.0.1:6379', SLIPWAY_NATS_URL: 'nats://127.0.0.1:4222', SLIPWAY_REGISTRY: '127.0.0.1:5000', SLIPWAY_HOME: '/srv/slipway' };

describe('loadControlPlaneConfig: the registry', () => {
  it('is open (no credentials file) and reached the way Docker decides by default', () => {
    expect(loadControlPlaneConfig(required)).toMatchObject({ registry: '127.0.0.1:5000', registryAuthFile: null, registryInsecure: false });
  });

  it('reads the credentials file and the plain-HTTP switch', () => {
    const config = loadControlPlaneConfig({
      ...required,
      SLIPWAY_REGISTRY: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
      SLIPWAY_REGISTRY_AUTH_FILE: '/run/slipway/registry/auth.json',
      SLIPWAY_REGISTRY_INSECURE: 'true',
    });
    expect(config).toMatchObject({
      registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
      registryAuthFile: '/run/slipway/registry/auth.json',
      registryInsecure: true,
    });
  });

  it('names a relative credentials path or a bad switch', () => {
    expect(() => loadControlPlaneConfig({ ...required, SLIPWAY_REGISTRY_AUTH_FILE: 'auth.json' })).toThrow(/SLIPWAY_REGISTRY_AUTH_FILE: an absolute path/);
    expect(() => loadControlPlaneConfig({ ...required, SLIPWAY_REGISTRY_INSECURE: 'sometimes' })).toThrow(/SLIPWAY_REGISTRY_INSECURE/);
  });
});

describe('loadControlPlaneConfig: resource limits', () => {
  it('has defaults a small provider keeps, and reads each override', () => {
    expect(loadControlPlaneConfig(required)).toMatchObject({
      configLimits: { maxVars: 500, maxNameBytes: 256, maxValueBytes: 32_768, maxTotalBytes: 32_768 },
      maxPushBytes: 268_435_456,
      logStream: { maxBytes: 536_870_912, maxMessageBytes: 1_048_576 },
    });
    const config = loadControlPlaneConfig({
      ...required,
      SLIPWAY_CONFIG_MAX_VARS: '10',
      SLIPWAY_CONFIG_MAX_TOTAL_BYTES: '4096',
      SLIPWAY_MAX_PUSH_BYTES: '1000000',
      SLIPWAY_LOG_STREAM_MAX_BYTES: '2000000',
    });
    expect(config).toMatchObject({ configLimits: { maxVars: 10, maxTotalBytes: 4096 }, maxPushBytes: 1_000_000, logStream: { maxBytes: 2_000_000 } });
    expect(() => loadControlPlaneConfig({ ...required, SLIPWAY_MAX_PUSH_BYTES: '0' })).toThrow(/SLIPWAY_MAX_PUSH_BYTES/);
  });
});

describe('loadControlPlaneConfig: build and log limits', () => {
  it('has defaults a small provider can keep', () => {
    expect(loadControlPlaneConfig(required)).toMatchObject({
      build: { log: { maxLineBytes: 8192, maxBytes: 10 * 1024 * 1024 }, concurrency: 2 },
      logs: { tailsPerUser: 10 },
    });
  });

  it('reads them from the environment', () => {
    const config = loadControlPlaneConfig({
      ...required,
      SLIPWAY_BUILD_LOG_LINE_BYTES: '4096',
      SLIPWAY_BUILD_LOG_MAX_MB: '0.5',
      SLIPWAY_BUILD_CONCURRENCY: '1',
      SLIPWAY_LOG_TAILS_PER_USER: '3',
    });
    expect(config).toMatchObject({ build: { log: { maxLineBytes: 4096, maxBytes: 512 * 1024 }, concurrency: 1 }, logs: { tailsPerUser: 3 } });
  });

  it('takes the Maven repository builds use, Maven Central by default', () => {
    expect(loadControlPlaneConfig(required).build.mavenRepository).toBe('https://repo1.maven.org/maven2');
    expect(loadControlPlaneConfig({ ...required, SLIPWAY_MAVEN_REPOSITORY: 'https://nexus.example.test/maven' }).build.mavenRepository).toBe(
      'https://nexus.example.test/maven',
    );
  });

  it('names a bad value', () => {
    expect(() => loadControlPlaneConfig({ ...required, SLIPWAY_BUILD_CONCURRENCY: '0' })).toThrow(/SLIPWAY_BUILD_CONCURRENCY/);
  });
});

describe('loadControlPlaneConfig: stacks', () => {
  it('gives new apps bookworm unless the operator names another stack', () => {
    expect(loadControlPlaneConfig(required).build.defaultStack).toBe('bookworm');
    expect(loadControlPlaneConfig({ ...required, SLIPWAY_DEFAULT_STACK: 'trixie' }).build.defaultStack).toBe('trixie');
    expect(() => loadControlPlaneConfig({ ...required, SLIPWAY_DEFAULT_STACK: 'heroku-24' })).toThrow(
      /SLIPWAY_DEFAULT_STACK: must name a stack: bookworm, trixie/,
    );
  });

  it("reads operator images per stack; the unnamed pair is bookworm's", () => {
    expect(loadControlPlaneConfig(required).build.stackImages).toEqual({});
    expect(
      loadControlPlaneConfig({ ...required, SLIPWAY_STACK_RUN_IMAGE: 'r/run:12', SLIPWAY_STACK_BUILD_IMAGE: 'r/build:12', SLIPWAY_STACK_TRIXIE_RUN_IMAGE: 'r/run:13', SLIPWAY_STACK_TRIXIE_BUILD_IMAGE: 'r/build:13' }).build
        .stackImages,
    ).toEqual({ bookworm: { runImage: 'r/run:12', buildImage: 'r/build:12' }, trixie: { runImage: 'r/run:13', buildImage: 'r/build:13' } });
    expect(
      loadControlPlaneConfig({ ...required, SLIPWAY_STACK_BOOKWORM_RUN_IMAGE: 'r/run:12', SLIPWAY_STACK_BOOKWORM_BUILD_IMAGE: 'r/build:12' }).build.stackImages,
    ).toEqual({ bookworm: { runImage: 'r/run:12', buildImage: 'r/build:12' } });
  });

  it("refuses bookworm's images named both ways", () => {
    expect(() => loadControlPlaneConfig({ ...required, SLIPWAY_STACK_RUN_IMAGE: 'a', SLIPWAY_STACK_BOOKWORM_BUILD_IMAGE: 'b' })).toThrow(
      /set them or SLIPWAY_STACK_BOOKWORM_\*_IMAGE, not both/,
    );
  });
});

describe('loadControlPlaneConfig: log drains', () => {
  it('allows 5 drains an app, 5000 buffered lines, no internal networks and no plain http by default', () => {
    expect(loadControlPlaneConfig(required).logDrains).toEqual({ perApp: 5, bufferLines: 5000, caFile: null, allowHttp: false, allowedNetworks: [] });
  });

  it('reads the trusted CA, the allowed networks and the switches, and names a bad network', () => {
    const config = loadControlPlaneConfig({ ...required, SLIPWAY_LOG_DRAIN_CA_FILE: '/etc/slipway/drain-ca.pem', SLIPWAY_LOG_DRAIN_ALLOWED_NETWORKS: '10.20.0.0/16, fd00::/8', SLIPWAY_LOG_DRAIN_ALLOW_HTTP: 'true', SLIPWAY_LOG_DRAINS_PER_APP: '2' });
    expect(config.logDrains).toEqual({ perApp: 2, bufferLines: 5000, caFile: '/etc/slipway/drain-ca.pem', allowHttp: true, allowedNetworks: ['10.20.0.0/16', 'fd00::/8'] });
    expect(() => loadControlPlaneConfig({ ...required, SLIPWAY_LOG_DRAIN_ALLOWED_NETWORKS: '10.0.0.1' })).toThrow(/SLIPWAY_LOG_DRAIN_ALLOWED_NETWORKS/);
  });
});

describe('loadControlPlaneConfig: add-ons’ storage checks', () => {
  it('checks every minute unless told, and names a bad value', () => {
    expect(loadControlPlaneConfig(required).addonStorageCheckMs).toBe(60_000);
    expect(loadControlPlaneConfig({ ...required, SLIPWAY_ADDON_STORAGE_CHECK_SECONDS: '300' }).addonStorageCheckMs).toBe(300_000);
    expect(() => loadControlPlaneConfig({ ...required, SLIPWAY_ADDON_STORAGE_CHECK_SECONDS: '0' })).toThrow(/SLIPWAY_ADDON_STORAGE_CHECK_SECONDS/);
  });
});
