// Integration: build containers on the real Docker Engine, from the real build image.
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRegistry } from '../test/support/services.js';
import { BUILDS_NETWORK } from '../common/networks.js';
import type { RunningService } from '../supervisor/services.js';
import { buildContainerLabels, type BuildContainerSpec } from './container-spec.js';
import { withBuildContainer } from './container.js';
import { BuildError } from './errors.js';
import { ensureStack } from './stack/ensure.js';
import { removeTestContainers, TEST_RUN_LABEL, testBuilderConfig, testRunId } from './testing/build-fixtures.js';

const docker = new Docker();
let registry: RunningService;
let spec: BuildContainerSpec;

beforeAll(async () => {
  registry = await startTestRegistry();
  const stack = await ensureStack(docker, testBuilderConfig(registry.url), () => {});
  spec = {
    image: stack.buildImage,
    user: '1000:1000',
    workingDir: '/tmp',
    env: ['GREETING=hello there'],
    mounts: [],
    labels: buildContainerLabels(`container-test-${testRunId}`, 'container-test', { [TEST_RUN_LABEL]: testRunId }),
    limits: { memoryMb: 256, cpus: 0.5, timeoutSeconds: 60, pidsLimit: 64 },
  };
});

afterAll(async () => {
  await removeTestContainers(docker);
  await registry?.stop();
});

const byBuildLabel = () => docker.listContainers({ all: true, filters: { label: [`io.slipway.build.id=${spec.labels['io.slipway.build.id']}`] } });

describe('withBuildContainer', () => {
  it('runs argv steps as the app user, streaming stdout and stderr lines, and reports exit codes', async () => {
    const lines: string[] = [];
    const results = await withBuildContainer(docker, spec, undefined, async (container) => [
      await container.run(['bash', '-c', 'id -u; echo "$GREETING"; echo to-stderr >&2; printf "no newline"'], (line) => void lines.push(line), 8192),
      await container.run(['bash', '-c', 'exit 3'], () => {}, 8192),
      await container.run(['echo', '$GREETING', '; rm -rf /'], (line) => void lines.push(line), 8192),
    ]);
    expect(results.map((r) => r.exitCode)).toEqual([0, 3, 0]);
    expect(lines).toEqual(expect.arrayContaining(['1000', 'hello there', 'to-stderr', 'no newline', '$GREETING ; rm -rf /']));
    expect(await byBuildLabel()).toEqual([]);
  });

  it('applies the limits and takes privileges away', async () => {
    await withBuildContainer(docker, spec, undefined, async (container) => {
      const [info] = await byBuildLabel();
      const host = (await docker.getContainer(info!.Id).inspect()).HostConfig;
      expect(host).toMatchObject({ Memory: 256 * 1024 * 1024, NanoCpus: 0.5e9, CpuShares: 512, PidsLimit: 64, Privileged: false, ReadonlyRootfs: true, CapDrop: ['ALL'] });
      const lines: string[] = [];
      const readOnly = await container.run(['bash', '-c', 'touch /etc/owned 2>&1; touch /tmp/ok && echo tmp-writable'], (line) => void lines.push(line), 8192);
      expect(readOnly.exitCode).toBe(0);
      expect(lines.join('\n')).toMatch(/Read-only file system/);
      expect(lines).toContain('tmp-writable');
    });
  });

  it('joins the builds network, or has only loopback when offline', async () => {
    const interfaces = (offline: boolean) =>
      withBuildContainer(docker, { ...spec, offline }, undefined, async (container) => {
        const names: string[] = [];
        expect((await container.run(['ls', '/sys/class/net'], (line) => void names.push(line), 8192)).exitCode).toBe(0);
        const [info] = await byBuildLabel();
        return { names, networks: Object.keys(info!.NetworkSettings.Networks) };
      });
    expect(await interfaces(true)).toEqual({ names: ['lo'], networks: ['none'] });
    const online = await interfaces(false);
    expect(online.names).toEqual(expect.arrayContaining(['lo', 'eth0']));
    expect(online.networks).toEqual([BUILDS_NETWORK.name]);
    expect(await byBuildLabel()).toEqual([]);
  });

  it('kills the container at the deadline and fails with the reason, removing it', async () => {
    const short = { ...spec, limits: { ...spec.limits, timeoutSeconds: 2 } };
    const attempt = withBuildContainer(docker, short, undefined, async (container) => {
      await container.run(['sleep', '30'], () => {}, 8192);
    });
    await expect(attempt).rejects.toThrow(BuildError);
    await expect(attempt).rejects.toThrow('The build timed out after 2 s.');
    expect(await byBuildLabel()).toEqual([]);
  });

  it('removes the container when the work inside fails', async () => {
    await expect(
      withBuildContainer(docker, spec, undefined, async () => {
        throw new Error('something else broke');
      }),
    ).rejects.toThrow('something else broke');
    expect(await byBuildLabel()).toEqual([]);
  });

  it('does not start at all when already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(withBuildContainer(docker, spec, controller.signal, async () => 1)).rejects.toThrow();
    expect(await byBuildLabel()).toEqual([]);
  });
});
