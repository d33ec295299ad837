import { describe, expect, it } from 'vitest';
import { buildContainerLabels, buildContainerOptions, execOptions, type BuildContainerSpec } from './container-spec.js';

const spec: BuildContainerSpec = {
  image: 'slipway/stack-build:abc',
  user: '1000:1000',
  workingDir: '/app',
  env: ['HOME=/app'],
  mounts: [
    { source: '/w/builds/b1/app', target: '/app', readOnly: false },
    { source: '/c/runtimes/node/tree', target: '/layers/nodejs', readOnly: true },
  ],
  labels: buildContainerLabels('b1', 'hello', { 'io.slipway.test.run': 'x' }),
  limits: { memoryMb: 2048, cpus: 1.5, timeoutSeconds: 900, pidsLimit: 512 },
};

describe('buildContainerOptions', () => {
  const options = buildContainerOptions(spec);

  it('runs the build image as the app user, outliving the timeout only as a backstop', () => {
    expect(options.Image).toBe('slipway/stack-build:abc');
    expect(options.User).toBe('1000:1000');
    expect(options.Cmd).toEqual(['sleep', '960']);
  });

  it('limits memory (no swap), CPU and processes, and takes privileges away', () => {
    expect(options.HostConfig).toMatchObject({
      Memory: 2048 * 1024 * 1024,
      MemorySwap: 2048 * 1024 * 1024,
      NanoCpus: 1.5e9,
      CpuShares: 512,
      PidsLimit: 512,
      Privileged: false,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      ReadonlyRootfs: true,
      Init: true,
    });
  });

  it('bind-mounts through the Mounts API (paths are never parsed out of a string)', () => {
    expect(options.HostConfig?.Mounts).toEqual([
      { Type: 'bind', Source: '/w/builds/b1/app', Target: '/app', ReadOnly: false },
      { Type: 'bind', Source: '/c/runtimes/node/tree', Target: '/layers/nodejs', ReadOnly: true },
    ]);
    expect(options.HostConfig?.Binds).toBeUndefined();
  });

  it('joins the builds network it is given, or none at all when offline', () => {
    expect(buildContainerOptions(spec, 'net-id').HostConfig?.NetworkMode).toBe('net-id');
    expect(buildContainerOptions({ ...spec, offline: true }, 'net-id').HostConfig?.NetworkMode).toBe('none');
  });

  it('labels the container with its role, build and app on top of the extra labels', () => {
    expect(options.Labels).toEqual({
      'io.slipway.test.run': 'x',
      'io.slipway.role': 'build',
      'io.slipway.build.id': 'b1',
      'io.slipway.app': 'hello',
    });
  });
});

describe('execOptions', () => {
  it('passes the argv through as an array, with the container\'s user, directory and environment', () => {
    expect(execOptions(['npm', 'ci', '--include=dev'], spec)).toMatchObject({
      Cmd: ['npm', 'ci', '--include=dev'],
      User: '1000:1000',
      WorkingDir: '/app',
      Env: ['HOME=/app'],
      Tty: false,
    });
  });
});
