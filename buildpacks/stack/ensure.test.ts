// Integration: the real stack built with debootstrap (once per machine; cached afterwards),
// imported into the real Docker Engine and pushed to a real registry.
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRegistry } from '../../test/support/services.js';
import type { RunningService } from '../../supervisor/services.js';
import { RegistryClient } from '../oci/registry.js';
import { removeTestContainers, runInImage, testBuilderConfig } from '../testing/build-fixtures.js';
import { ensureStack, type Stack } from './ensure.js';
import { RECIPE_LABEL, STACK_REGISTRY_REPOSITORY } from './recipe.js';

const docker = new Docker();
let registry: RunningService;
let stack: Stack;
const lines: string[] = [];

beforeAll(async () => {
  registry = await startTestRegistry();
  stack = await ensureStack(docker, testBuilderConfig(registry.url), (line) => {
    lines.push(line);
    console.log(line);
  });
});

afterAll(async () => {
  await removeTestContainers(docker);
  await registry?.stop();
});

describe('ensureStack', () => {
  it('keeps both images in the engine, labelled with the recipe hash', async () => {
    for (const ref of [stack.runImage, stack.buildImage]) {
      const info = await docker.getImage(ref).inspect();
      expect(info.Config.Labels?.[RECIPE_LABEL]).toBe(stack.id);
    }
    expect(stack.runImage).toBe(`slipway/stack-run:${stack.id}`);
    expect(stack.buildImage).toBe(`slipway/stack-build:${stack.id}`);
    expect(stack.name).toBe('bookworm');
  });

  it('gives the run image bash, CA certificates and the slipway user (1000:1000, home /app)', async () => {
    const result = await runInImage(docker, stack.runImage, [
      'bash', '-c',
      'getent passwd slipway; stat -c "%u:%g" /app; test -s /etc/ssl/certs/ca-certificates.crt && echo certs; command -v g++ || echo no-compiler; ' +
        'test -e /usr/lib/x86_64-linux-gnu/libatomic.so.1 && echo libatomic; test -s /usr/share/doc/bash/copyright && echo copyright; find /usr/share/man /usr/share/locale -mindepth 1 | wc -l',
    ]);
    expect(result.exitCode).toBe(0);
    expect(result.output).toContain('slipway:x:1000:1000::/app:/bin/bash');
    expect(result.output).toContain('1000:1000');
    expect(result.output).toContain('certs');
    expect(result.output).toContain('no-compiler');
    expect(result.output).toContain('libatomic');
    // documentation and translations are left out, licences kept
    expect(result.output).toContain('copyright');
    expect(result.output.trim().split('\n').at(-1)).toBe('0');
  });

  it('gives the build image what node-gyp needs', async () => {
    const result = await runInImage(docker, stack.buildImage, ['bash', '-c', 'git --version && make --version && g++ --version && python3 --version']);
    expect(result.exitCode).toBe(0);
    expect(result.output).toMatch(/git version/);
    expect(result.output).toMatch(/Python 3/);
  });

  it('pushes the run image to the registry as slipway/stack:<id>', async () => {
    const client = new RegistryClient(registry.url);
    const manifest = JSON.parse((await client.getManifest(STACK_REGISTRY_REPOSITORY, stack.id)).body.toString()) as {
      layers: Array<{ digest: string; size: number }>;
    };
    expect(manifest.layers.map((layer) => layer.digest)).toEqual(stack.layers.map((layer) => layer.digest));
    for (const layer of stack.layers) {
      expect(await client.headBlob(STACK_REGISTRY_REPOSITORY, layer.digest)).toEqual({ size: layer.size });
    }
  });

  it('uses operator-configured images instead, pulling what the engine lacks', async () => {
    // The run image as pushed to the registry a moment ago: pulling it is a real pull, over loopback.
    const runImage = `${registry.url}/${STACK_REGISTRY_REPOSITORY}:${stack.id}`;
    try {
      const configured = await ensureStack(
        docker,
        { ...testBuilderConfig(registry.url), stackImages: { bookworm: { runImage, buildImage: stack.buildImage } } },
        (line) => void lines.push(line),
      );
      expect(lines).toContain(`       pulling ${runImage}`);
      expect(configured.runImage).toBe(runImage);
      expect(configured.buildImage).toBe(stack.buildImage);
      expect(configured.id).toMatch(/^[0-9a-f]{12}$/);
      expect(configured.id).not.toBe(stack.id);
      expect(configured.layers.map((layer) => layer.diffId)).toEqual(stack.layers.map((layer) => layer.diffId));
      const client = new RegistryClient(registry.url);
      expect((await client.getManifest(STACK_REGISTRY_REPOSITORY, configured.id)).digest).toMatch(/^sha256:/);
    } finally {
      await docker.getImage(runImage).remove().catch(() => undefined);
    }
  });

  it('reuses the images on a second call and pushes to a fresh registry from its layer cache', async () => {
    const other = await startTestRegistry();
    try {
      const again = await ensureStack(docker, testBuilderConfig(other.url), () => {});
      expect(again.prepared).toBe(false);
      expect(again.id).toBe(stack.id);
      expect(again.layers).toEqual(stack.layers);
      const client = new RegistryClient(other.url);
      expect((await client.getManifest(STACK_REGISTRY_REPOSITORY, stack.id)).digest).toMatch(/^sha256:/);
    } finally {
      await other.stop();
    }
  });
});
