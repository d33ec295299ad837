import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../supervisor/services.js';
import { startTestRegistry } from './services.js';
import {
  buildTestAppImage,
  imageChanges,
  parentDirectories,
  parseLddOutput,
  removeTestAppImageReferences,
  rootfsFiles,
  TEST_APP_REPOSITORY,
} from './test-image.js';

describe('test image, pure parts', () => {
  it('reads library paths from ldd output, skipping the vdso', () => {
    const output = [
      '\tlinux-vdso.so.1 (0x00007ffd)',
      '\tlibtinfo.so.6 => /lib/x86_64-linux-gnu/libtinfo.so.6 (0x00007f90e9925000)',
      '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f90e9743000)',
      '\t/lib64/ld-linux-x86-64.so.2 (0x00007f90e9aab000)',
    ].join('\n');
    expect(parseLddOutput(output)).toEqual([
      '/lib/x86_64-linux-gnu/libtinfo.so.6',
      '/lib/x86_64-linux-gnu/libc.so.6',
      '/lib64/ld-linux-x86-64.so.2',
    ]);
  });

  it('lays out binaries, libraries and the server, without duplicates', () => {
    const files = rootfsFiles({ '/usr/bin/node': '/opt/node/bin/node' }, ['/lib/libc.so.6', '/lib/libc.so.6'], '/src/server.cjs');
    expect(files).toEqual([
      { path: '/app/server.js', source: '/src/server.cjs', mode: 0o644 },
      { path: '/lib/libc.so.6', source: '/lib/libc.so.6', mode: 0o755 },
      { path: '/usr/bin/node', source: '/opt/node/bin/node', mode: 0o755 },
    ]);
  });

  it('creates parent directories before their children', () => {
    expect(parentDirectories(['/usr/bin/node', '/lib/x86_64-linux-gnu/libc.so.6', '/app/server.js'])).toEqual([
      '/app',
      '/lib',
      '/usr',
      '/lib/x86_64-linux-gnu',
      '/usr/bin',
    ]);
  });

  it('labels the image and runs the server by default', () => {
    expect(imageChanges()).toContain('CMD ["/usr/bin/node", "/app/server.js"]');
    expect(imageChanges()).toContain('LABEL slipway.test-image=app');
  });
});

describe('test image, built and pushed for real', () => {
  const docker = new Docker();
  const label = { 'slipway.test': `test-image-${process.pid}` };
  let registry: RunningService;

  beforeAll(async () => {
    registry = await startTestRegistry();
  });

  afterAll(async () => {
    const containers = await docker.listContainers({ all: true, filters: { label: [`slipway.test=${label['slipway.test']}`] } });
    for (const info of containers) await docker.getContainer(info.Id).remove({ force: true });
    await removeTestAppImageReferences(docker, registry.url);
    await registry.stop();
  });

  it('pushes to the registry and runs the server as a non-root user', async () => {
    const image = await buildTestAppImage(docker, registry.url);
    expect(image.repository).toBe(TEST_APP_REPOSITORY);
    expect(image.digest).toMatch(/^sha256:[0-9a-f]{64}$/);

    // The registry serves the manifest under that digest.
    const manifest = await fetch(`http://${registry.url}/v2/${image.repository}/manifests/${image.digest}`, {
      headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
    });
    expect(manifest.status).toBe(200);

    const container = await docker.createContainer({
      Image: `${registry.url}/${image.repository}@${image.digest}`,
      Cmd: ['/bin/bash', '-c', "node /app/server.js & node -e 'setTimeout(() => {}, 1500)'; kill -TERM %1; wait"],
      User: '1000:1000',
      Env: ['PORT=5000', 'DYNO=web.7'],
      Labels: label,
      HostConfig: { NetworkMode: 'none' },
    });
    await container.start();
    await container.wait();
    // Multiplexed stream: frame headers sit between whole lines, which is all this reads.
    const output = (await container.logs({ stdout: true, stderr: true })).toString('utf8');
    expect(output).toContain('booting web.7');
    expect(output).toContain('listening on 5000');
    expect(output).toContain('received SIGTERM, exiting');
  });

  it('answers a second call from its cache with the same image', async () => {
    const first = await buildTestAppImage(docker, registry.url);
    const second = await buildTestAppImage(docker, registry.url);
    expect(second).toEqual(first);
  });
});
