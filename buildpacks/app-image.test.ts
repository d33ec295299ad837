import { describe, expect, it } from 'vitest';
import { appImageSpec, type AppImageInput } from './app-image.js';
import type { LayerBlob } from './oci/blob.js';

const blob = (name: string): LayerBlob => ({
  mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  digest: `sha256:${name.padEnd(64, '0')}`,
  size: name.length,
  diffId: `sha256:${name.padEnd(64, '1')}`,
  path: `/cache/${name}.tar.gz`,
});

const input: AppImageInput = {
  stackId: 'abc123',
  stackName: 'bookworm',
  stackLayers: [blob('a')],
  contributed: [
    { blob: blob('b'), createdBy: 'runtime', sharedRepository: 'slipway/runtimes' },
    { blob: blob('c'), createdBy: 'node_modules' },
  ],
  appLayer: blob('d'),
  env: ['PATH=/layers/nodejs/bin:/bin', 'HOME=/app', 'NODE_ENV=production'],
  processTypes: { web: 'node server.js', worker: 'node worker.js' },
  appName: 'hello',
  buildId: 'b1',
  buildpack: 'slipway/nodejs',
  created: '2026-11-24T00:00:00.000Z',
};

describe('appImageSpec', () => {
  it('stacks the layers: stack, then the buildpack\'s, then the app', () => {
    const spec = appImageSpec(input);
    expect(spec.layers.map((layer) => layer.digest)).toEqual(['a', 'b', 'c', 'd'].map((n) => blob(n).digest));
    expect(spec.layers.map((layer) => layer.diffId)).toEqual(['a', 'b', 'c', 'd'].map((n) => blob(n).diffId));
    expect(spec.layers[0]!.createdBy).toBe('slipway stack bookworm abc123');
  });

  it('runs as the app user in /app with the buildpack\'s environment', () => {
    const spec = appImageSpec(input);
    expect(spec.user).toBe('1000:1000');
    expect(spec.workingDir).toBe('/app');
    expect(spec.env).toEqual(input.env);
  });

  it('labels the image with its app, build, buildpack, stack and process types; web is the default command', () => {
    const spec = appImageSpec(input);
    expect(spec.labels).toEqual({
      'io.slipway.app': 'hello',
      'io.slipway.build.id': 'b1',
      'io.slipway.buildpack': 'slipway/nodejs',
      'io.slipway.stack': 'abc123',
      'io.slipway.process-types': JSON.stringify(input.processTypes),
    });
    expect(spec.cmd).toEqual(['bash', '-c', 'node server.js']);
    expect(appImageSpec({ ...input, processTypes: { worker: 'node w.js' } }).cmd).toBeUndefined();
  });
});
