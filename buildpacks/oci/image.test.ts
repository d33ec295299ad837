import { describe, expect, it } from 'vitest';
import { sha256Digest } from './blob.js';
import { imageConfig, imageManifest, type ImageLayer } from './image.js';

const layers: ImageLayer[] = [
  { digest: sha256Digest('stack.gz'), size: 100, diffId: sha256Digest('stack.tar'), createdBy: 'stack' },
  { digest: sha256Digest('app.gz'), size: 20, diffId: sha256Digest('app.tar'), createdBy: 'app', comment: 'code' },
];
const spec = {
  created: '2026-11-24T00:00:00.000Z',
  user: '1000:1000',
  workingDir: '/app',
  env: ['PATH=/bin', 'HOME=/app'],
  labels: { a: 'b' },
  cmd: ['bash', '-c', 'node server.js'],
  layers,
};

describe('imageConfig', () => {
  it('lists diff_ids in layer order with one history entry per layer', () => {
    const config = JSON.parse(imageConfig(spec).bytes.toString());
    expect(config).toEqual({
      architecture: 'amd64',
      os: 'linux',
      created: spec.created,
      config: { User: '1000:1000', WorkingDir: '/app', Env: ['PATH=/bin', 'HOME=/app'], Labels: { a: 'b' }, Cmd: ['bash', '-c', 'node server.js'] },
      rootfs: { type: 'layers', diff_ids: [layers[0]!.diffId, layers[1]!.diffId] },
      history: [
        { created: spec.created, created_by: 'stack' },
        { created: spec.created, created_by: 'app', comment: 'code' },
      ],
    });
  });

  it('is content-addressed: digest and size describe the bytes', () => {
    const config = imageConfig(spec);
    expect(config.digest).toBe(sha256Digest(config.bytes));
    expect(config.size).toBe(config.bytes.length);
    expect(imageConfig(spec).digest).toBe(config.digest);
    expect(imageConfig({ ...spec, env: ['PATH=/usr/bin'] }).digest).not.toBe(config.digest);
  });

  it('omits Cmd when there is no web process', () => {
    const { cmd: _omitted, ...withoutCmd } = spec;
    expect(JSON.parse(imageConfig(withoutCmd).bytes.toString()).config.Cmd).toBeUndefined();
  });
});

describe('imageManifest', () => {
  it('is a Docker schema 2 manifest naming the config and the gzip layers', () => {
    const config = imageConfig(spec);
    const manifest = imageManifest(config, layers);
    expect(JSON.parse(manifest.bytes.toString())).toEqual({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.size, digest: config.digest },
      layers: layers.map((layer) => ({ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: layer.size, digest: layer.digest })),
    });
    expect(manifest.digest).toBe(sha256Digest(manifest.bytes));
  });
});
