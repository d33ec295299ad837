import { describe, expect, it } from 'vitest';
import type { RunInstanceRequest, RunOneOffRequest } from '../common/protocol.js';
import { addonReach, containerEnv, containerName, containerSpec, imageReference, InvalidRunRequestError, oneOffContainerSpec, startingCpus } from './container-spec.js';

const digest = `sha256:${'b'.repeat(64)}`;
const request: RunInstanceRequest = {
  instanceId: 'i-42',
  appId: 'app-1',
  appName: 'shop',
  type: 'web',
  index: 1,
  releaseVersion: 3,
  image: { repository: 'apps/shop', digest },
  command: 'node server.js --flag "quoted; rm -rf /"',
  env: { DATABASE_URL: 'postgres://u:p@db/x', PORT: '80', DYNO: 'fake.9' },
  memoryMb: 512,
  cpus: 0.5,
  checkPort: true,
  bootTimeoutSeconds: 60,
  healthCheck: null,
  addons: [],
};
const host = { hostId: 'host-a', registry: '127.0.0.1:5000', address: '10.0.0.5' };

describe('containerSpec', () => {
  const spec = containerSpec(request, host);

  it('runs the image by digest from the host registry', () => {
    expect(spec.Image).toBe(`127.0.0.1:5000/apps/shop@${digest}`);
    expect(imageReference('reg:1', { repository: 'r', digest })).toBe(`reg:1/r@${digest}`);
  });

  it('runs the command through bash as one argv element, never spliced into a shell string', () => {
    expect(spec.Entrypoint).toEqual([]);
    expect(spec.Cmd).toEqual(['/bin/bash', '-c', 'node server.js --flag "quoted; rm -rf /"']);
  });

  it('sets the config vars, and PORT and DYNO win over the request', () => {
    expect(spec.Env).toEqual(['DATABASE_URL=postgres://u:p@db/x', 'PORT=5000', 'DYNO=web.1']);
  });

  it('runs as a non-root user without privileges or capabilities', () => {
    expect(spec.User).toBe('1000:1000');
    expect(spec.HostConfig?.Privileged).toBe(false);
    expect(spec.HostConfig?.CapDrop).toEqual(['ALL']);
    expect(spec.HostConfig?.SecurityOpt).toEqual(['no-new-privileges']);
    expect(spec.HostConfig?.Init).toBe(true);
  });

  it('limits memory without swap, CPU and processes', () => {
    expect(spec.HostConfig?.Memory).toBe(512 * 1024 * 1024);
    expect(spec.HostConfig?.MemorySwap).toBe(512 * 1024 * 1024);
    expect(spec.HostConfig?.NanoCpus).toBe(500_000_000);
    expect(spec.HostConfig?.PidsLimit).toBe(512);
  });

  it('starts on its boot CPU limit (startup CPU boost) within the machine, never below the dyno', () => {
    const nano = (overrides: Partial<RunInstanceRequest>, machineCpus?: number) =>
      containerSpec({ ...request, ...overrides }, { ...host, ...(machineCpus !== undefined ? { machineCpus } : {}) }).HostConfig?.NanoCpus;
    expect(nano({ cpus: 0.5, bootCpus: 1 }, 4)).toBe(1_000_000_000);
    expect(nano({ cpus: 1, bootCpus: 8 }, 2)).toBe(2_000_000_000);
    expect(nano({ cpus: 0.5, bootCpus: 0.25 }, 4)).toBe(500_000_000);
    // no boost asked, or the machine's CPUs not known: the dyno's
    expect(nano({ cpus: 0.5 }, 4)).toBe(500_000_000);
    expect(nano({ cpus: 0.5, bootCpus: 1 })).toBe(500_000_000);
    expect(startingCpus({ cpus: 2, bootCpus: 4 }, 1)).toBe(2);
  });

  it('mounts nothing from the host', () => {
    expect(spec.HostConfig?.Binds).toEqual([]);
    expect(spec.HostConfig?.Mounts).toEqual([]);
    expect(JSON.stringify(spec)).not.toContain('docker.sock');
  });

  it('publishes the app port on the host private address with a Docker-assigned port', () => {
    expect(spec.ExposedPorts).toEqual({ '5000/tcp': {} });
    expect(spec.HostConfig?.PortBindings).toEqual({ '5000/tcp': [{ HostIp: '10.0.0.5', HostPort: '' }] });
    expect(spec.HostConfig?.PublishAllPorts).toBe(false);
  });

  it('leaves restarts to the platform and rotates logs', () => {
    expect(spec.HostConfig?.RestartPolicy).toEqual({ Name: 'no', MaximumRetryCount: 0 });
    expect(spec.HostConfig?.LogConfig).toEqual({ Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } });
  });

  it('labels the container for its host and instance', () => {
    expect(spec.Labels).toMatchObject({ 'io.slipway.host': 'host-a', 'io.slipway.instance': 'i-42', 'io.slipway.managed': 'true' });
    expect(spec.name).toBe('slipway-host-a-i-42');
  });

  it('keeps only Docker-safe characters in the name', () => {
    expect(containerName('h', 'abc/../x y')).toBe('slipway-h-abc-..-x-y');
  });

  it('refuses a config var name Docker cannot express, without echoing values', () => {
    expect(() => containerEnv({ 'A=B': 'secret-value' }, 'web.1')).toThrow(InvalidRunRequestError);
    try {
      containerEnv({ 'A=B': 'secret-value' }, 'web.1');
    } catch (err) {
      expect((err as Error).message).not.toContain('secret-value');
    }
  });
});

describe('reaching the add-ons an app is attached to', () => {
  const here = { addonId: 'a-1', name: 'postgresql-quiet-12345', hostId: 'host-a', address: '10.0.0.5' };
  const there = { addonId: 'a-2', name: 'redis-solid-54321', hostId: 'host-b', address: '10.0.0.6' };

  it('joins the network of an add-on on this host, and names the host of one elsewhere', () => {
    expect(addonReach([here, there], 'host-a')).toEqual({
      ExtraHosts: ['redis-solid-54321:10.0.0.6'],
      NetworkingConfig: { EndpointsConfig: { 'slipway-addon-a-1.host-a': {} } },
    });
    expect(addonReach([], 'host-a')).toEqual({ ExtraHosts: [] });
  });

  it('gives instances and one-offs the same way to them', () => {
    const spec = containerSpec({ ...request, addons: [here, there] }, host);
    expect(spec.HostConfig?.NetworkMode).toBe('slipway-apps');
    expect(spec.HostConfig?.ExtraHosts).toEqual(['redis-solid-54321:10.0.0.6']);
    expect(spec.NetworkingConfig).toEqual({ EndpointsConfig: { 'slipway-addon-a-1.host-a': {} } });
    expect(containerSpec(request, host).NetworkingConfig).toBeUndefined();
  });
});

describe('oneOffContainerSpec', () => {
  const oneOff: RunOneOffRequest = {
    runId: 'r-1',
    appId: 'app-1',
    appName: 'shop',
    dyno: 'release.7',
    image: { repository: 'apps/shop', digest },
    command: 'python manage.py migrate',
    env: { SECRET_KEY: 's3cret' },
    memoryMb: 512,
    cpus: 0.5,
    timeoutSeconds: 600,
    tty: null,
    addons: [],
  };
  const spec = oneOffContainerSpec(oneOff, host);
  const instance = containerSpec(request, host);

  it('runs the command with the config and its own DYNO, by digest', () => {
    expect(spec.Image).toBe(`127.0.0.1:5000/apps/shop@${digest}`);
    expect(spec.Cmd).toEqual(['/bin/bash', '-c', 'python manage.py migrate']);
    expect(spec.Env).toEqual(['SECRET_KEY=s3cret', 'PORT=5000', 'DYNO=release.7']);
  });

  it('has the limits and hardening of an instance, and publishes nothing', () => {
    expect(spec.User).toBe(instance.User);
    const { PortBindings: _ports, ...instanceHost } = instance.HostConfig!;
    expect(spec.HostConfig).toEqual(instanceHost);
    expect(spec.ExposedPorts).toBeUndefined();
  });

  it('gives an attached run a TTY and stdin of its size, and a detached one neither', () => {
    expect(spec).toMatchObject({ Tty: false, OpenStdin: false, AttachStdin: false });
    const attached = oneOffContainerSpec({ ...oneOff, tty: { cols: 120, rows: 40 } }, host);
    expect(attached).toMatchObject({ Tty: true, OpenStdin: true, StdinOnce: true, AttachStdin: true, AttachStdout: true });
    expect(attached.Env).toEqual(['SECRET_KEY=s3cret', 'PORT=5000', 'DYNO=release.7', 'TERM=xterm-256color', 'COLUMNS=120', 'LINES=40']);
    expect(attached.HostConfig).toEqual(spec.HostConfig);
  });

  it('is labeled as a one-off of its host and app, never as an instance', () => {
    expect(spec.Labels).toEqual({
      'io.slipway.managed': 'true',
      'io.slipway.host': 'host-a',
      'io.slipway.app': 'shop',
      'io.slipway.app-id': 'app-1',
      'io.slipway.one-off': 'r-1',
      'io.slipway.dyno': 'release.7',
    });
    expect(spec.name).toBe('slipway-host-a-release.7-r-1');
  });
});
