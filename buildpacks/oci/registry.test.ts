// Integration: the registry client against a real CNCF distribution registry.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRegistry } from '../../test/support/services.js';
import type { RunningService } from '../../supervisor/services.js';
import { RegistryError } from '../errors.js';
import { sha256Digest } from './blob.js';
import { imageConfig, imageManifest } from './image.js';
import { ensureBlob } from './push.js';
import { RegistryClient } from './registry.js';

let registry: RunningService;
let client: RegistryClient;

beforeAll(async () => {
  registry = await startTestRegistry();
  client = new RegistryClient(registry.url);
});
afterAll(async () => registry?.stop());

function randomBlob(): { bytes: Buffer; digest: string; size: number } {
  const bytes = randomBytes(4096);
  return { bytes, digest: sha256Digest(bytes), size: bytes.length };
}

describe('RegistryClient', () => {
  it('uploads a blob and finds it with HEAD, only in its repository', async () => {
    const blob = randomBlob();
    expect(await client.headBlob('test/one', blob.digest)).toBeNull();
    await client.uploadBlob('test/one', blob.digest, blob.bytes);
    expect(await client.headBlob('test/one', blob.digest)).toEqual({ size: blob.size });
    expect(await client.headBlob('test/two', blob.digest)).toBeNull();
  });

  it('rejects a blob whose bytes do not match the digest', async () => {
    const blob = randomBlob();
    await expect(client.uploadBlob('test/one', sha256Digest('something else'), blob.bytes)).rejects.toThrow(RegistryError);
  });

  it('mounts a blob from another repository, and says so when it cannot', async () => {
    const blob = randomBlob();
    await client.uploadBlob('test/source', blob.digest, blob.bytes);
    expect(await client.mountBlob('test/target', blob.digest, 'test/source')).toBe(true);
    expect(await client.headBlob('test/target', blob.digest)).toEqual({ size: blob.size });
    expect(await client.mountBlob('test/target2', randomBlob().digest, 'test/source')).toBe(false);
  });

  it('ensureBlob skips present blobs, mounts when it can, uploads otherwise', async () => {
    const blob = randomBlob();
    expect(await ensureBlob(client, 'test/shared', blob)).toBe('uploaded');
    expect(await ensureBlob(client, 'test/shared', blob)).toBe('present');
    expect(await ensureBlob(client, 'test/app', blob, ['test/shared'])).toBe('mounted');
    expect(await ensureBlob(client, 'test/other', randomBlob(), ['test/shared'])).toBe('uploaded');
  });

  it('puts, gets and tags a manifest', async () => {
    const layer = randomBlob();
    await client.uploadBlob('test/image', layer.digest, layer.bytes);
    const layers = [{ digest: layer.digest, size: layer.size, diffId: layer.digest, createdBy: 'test' }];
    const config = imageConfig({ created: '2026-01-01T00:00:00Z', user: '1000:1000', workingDir: '/app', env: [], labels: {}, layers });
    await client.uploadBlob('test/image', config.digest, config.bytes);
    const manifest = imageManifest(config, layers);
    const digest = await client.putManifest('test/image', 'build-1', manifest.bytes);
    expect(digest).toBe(manifest.digest);

    await client.tagManifest('test/image', digest, 'v1');
    const fetched = await client.getManifest('test/image', 'v1');
    expect(fetched.digest).toBe(digest);
    expect(fetched.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(fetched.body.equals(manifest.bytes)).toBe(true);
  });

  it('refuses names that are not repository names or tags before sending anything', async () => {
    await expect(client.headBlob('../etc', sha256Digest('x'))).rejects.toThrow(/invalid repository/);
    await expect(client.tagManifest('test/image', sha256Digest('x'), 'bad tag')).rejects.toThrow(/invalid tag/);
  });

  it('reports an unreachable registry as a RegistryError', async () => {
    const gone = new RegistryClient('127.0.0.1:1');
    await expect(gone.headBlob('test/one', sha256Digest('x'))).rejects.toMatchObject({ name: 'RegistryError', httpStatus: 0 });
  });
});
