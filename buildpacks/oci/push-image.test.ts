// Integration: pushing images to a real registry, counting what is sent.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRegistry } from '../../test/support/services.js';
import type { RunningService } from '../../supervisor/services.js';
import { sha256Digest } from './blob.js';
import { imageConfig, imageManifest, type ImageLayer } from './image.js';
import { pushImage, type LayerToPush } from './push-image.js';
import { RegistryClient } from './registry.js';

let registry: RunningService;
let client: RegistryClient;
beforeAll(async () => {
  registry = await startTestRegistry();
  client = new RegistryClient(registry.url);
});
afterAll(async () => registry?.stop());

function layer(): { push: LayerToPush; image: ImageLayer } {
  const bytes = randomBytes(2048);
  const digest = sha256Digest(bytes);
  return { push: { blob: { digest, size: bytes.length, bytes }, mountFrom: [] }, image: { digest, size: bytes.length, diffId: digest, createdBy: 'test' } };
}

function image(layers: ReturnType<typeof layer>[], label: string) {
  const config = imageConfig({ created: '2026-01-01T00:00:00Z', user: '1000:1000', workingDir: '/app', env: [], labels: { label }, layers: layers.map((l) => l.image) });
  return { config, manifest: imageManifest(config, layers.map((l) => l.image)) };
}

describe('pushImage', () => {
  it('uploads what is new, skips what is there, mounts shared layers, and counts each', async () => {
    const base = layer();
    const runtime = layer();
    const app1 = layer();
    await client.uploadBlob('test/base', base.push.blob.digest, base.push.blob.bytes!);

    const layersV1 = [
      { ...base, push: { ...base.push, mountFrom: ['test/base'] } },
      { ...runtime, push: { ...runtime.push, sharedRepository: 'test/shared' } },
      app1,
    ];
    const v1 = image(layersV1, 'v1');
    const first = await pushImage(client, 'apps/one', 'b1', layersV1.map((l) => l.push), v1.config, v1.manifest);
    expect(first.digest).toBe(v1.manifest.digest);
    expect(first.layers).toEqual({ uploaded: 2, bytesUploaded: 4096, mounted: 1, present: 0 });
    expect(first.bytesUploaded).toBe(4096 + v1.config.size);
    expect(await client.headBlob('test/shared', runtime.push.blob.digest)).not.toBeNull();

    // A code-only change: only the new top layer is sent.
    const app2 = layer();
    const layersV2 = [...layersV1.slice(0, 2), app2];
    const v2 = image(layersV2, 'v2');
    const second = await pushImage(client, 'apps/one', 'b2', layersV2.map((l) => l.push), v2.config, v2.manifest);
    expect(second.layers).toEqual({ uploaded: 1, bytesUploaded: 2048, mounted: 0, present: 2 });

    // Another app with the same runtime mounts it from the shared repository.
    const other = [{ ...runtime, push: { ...runtime.push, sharedRepository: 'test/shared' } }, layer()];
    const v3 = image(other, 'other');
    const third = await pushImage(client, 'apps/two', 'b1', other.map((l) => l.push), v3.config, v3.manifest);
    expect(third.layers).toEqual({ uploaded: 1, bytesUploaded: 2048, mounted: 1, present: 0 });
    expect((await client.getManifest('apps/two', 'b1')).digest).toBe(third.digest);
  });
});
