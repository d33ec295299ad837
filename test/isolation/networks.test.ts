// Tenants apart: app instances (as the agent creates them) and build containers (as the builder
// creates them) on the real Docker Engine, then the resulting network configuration and the
// host's firewall rules are read back. No traffic goes to a bridge address: the only request is
// to an instance's port published on 127.0.0.1, as the router sends it.
import { execFileSync } from 'node:child_process';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerSpec } from '../../agent/container-spec.js';
import { DockerContainerEngine } from '../../agent/docker-engine.js';
import { removeHostLeftovers, runRequest, uniqueHostId } from '../../agent/testing/agent-fixtures.js';
import { buildContainerLabels } from '../../buildpacks/container-spec.js';
import { withBuildContainer } from '../../buildpacks/container.js';
import { ensureStack } from '../../buildpacks/stack/ensure.js';
import { removeTestContainers, TEST_RUN_LABEL, testBuilderConfig, testRunId } from '../../buildpacks/testing/build-fixtures.js';
import { APPS_NETWORK, BUILDS_NETWORK, ensureNetwork, hostFirewallRule } from '../../common/networks.js';
import type { ImageRef } from '../../common/types.js';
import type { RunningService } from '../../supervisor/services.js';
import { startTestRegistry } from '../support/services.js';
import { buildTestAppImage, removeTestAppImageReferences } from '../support/test-image.js';
import { waitFor } from '../support/wait.js';

const docker = new Docker();
const hosts = [uniqueHostId('iso-a'), uniqueHostId('iso-b')];
let registry: RunningService;
let image: ImageRef;
let buildImage: string;

beforeAll(async () => {
  registry = await startTestRegistry();
  image = await buildTestAppImage(docker, registry.url);
  buildImage = (await ensureStack(docker, testBuilderConfig(registry.url), () => {})).buildImage;
});

afterAll(async () => {
  await removeHostLeftovers(docker, hosts);
  await removeTestContainers(docker);
  await removeTestAppImageReferences(docker, registry.url);
  await registry?.stop();
});

/** The networks a container is attached to, by name. */
async function networksOf(id: string): Promise<string[]> {
  return Object.keys((await docker.getContainer(id).inspect()).NetworkSettings.Networks).sort();
}

const iptables = (chain: string) => execFileSync('iptables', ['-w', '-S', chain], { encoding: 'utf8' }).split('\n');

describe('network isolation', () => {
  it('runs two apps’ instances on the apps network, where they cannot reach each other or the host, and still serves them on 127.0.0.1', async () => {
    const ids: string[] = [];
    for (const [n, hostId] of hosts.entries()) {
      const engine = new DockerContainerEngine(docker, hostId);
      const spec = containerSpec(runRequest(image, { appId: `app-${n}`, appName: `tenant-${n}` }), { hostId, registry: registry.url, address: '127.0.0.1' });
      if (!(await engine.hasImage(spec.Image!))) await engine.pullImage(spec.Image!);
      const id = await engine.createContainer(spec);
      await engine.startContainer(id);
      ids.push(id);
    }
    for (const id of ids) expect(await networksOf(id)).toEqual([APPS_NETWORK.name]);

    const network = await docker.getNetwork(APPS_NETWORK.name).inspect();
    expect(network.Driver).toBe('bridge');
    expect(network.Options).toMatchObject({ 'com.docker.network.bridge.enable_icc': 'false', 'com.docker.network.bridge.name': APPS_NETWORK.bridge });
    expect(network.Labels).toMatchObject({ 'io.slipway.managed': 'true', 'io.slipway.network.role': 'apps' });
    expect(Object.keys(network.Containers ?? {})).toEqual(expect.arrayContaining(ids));

    // icc off: the kernel drops bridge-to-bridge traffic (a hairpin through a published port too).
    expect(iptables('FORWARD')).toContain(`-A FORWARD -i ${APPS_NETWORK.bridge} -o ${APPS_NETWORK.bridge} -j DROP`);
    expect(iptables('FORWARD')).not.toContain(`-A FORWARD -i ${APPS_NETWORK.bridge} -o ${APPS_NETWORK.bridge} -j ACCEPT`);
    // No new connection from an instance to the host itself (services bound to any address).
    expect(iptables('INPUT').filter((line) => line.startsWith(`-A INPUT -i ${APPS_NETWORK.bridge} `))).toEqual([
      `-A INPUT -i ${APPS_NETWORK.bridge} -m conntrack ! --ctstate RELATED,ESTABLISHED -m comment --comment "slipway apps: no host services" -j DROP`,
    ]);
    // Other networks (builds, Docker's default bridge) cannot reach into it either.
    expect(iptables('DOCKER-ISOLATION-STAGE-2')).toContain(`-A DOCKER-ISOLATION-STAGE-2 -o ${APPS_NETWORK.bridge} -j DROP`);

    // Published on 127.0.0.1 only, and the router's way in still works (replies pass the INPUT rule).
    for (const id of ids) {
      const bindings = (await docker.getContainer(id).inspect()).NetworkSettings.Ports['5000/tcp'] ?? [];
      expect(bindings.map((binding) => binding.HostIp)).toEqual(['127.0.0.1']);
      const answer = await waitFor('the instance to answer on 127.0.0.1', async () => {
        const response = await fetch(`http://127.0.0.1:${bindings[0]!.HostPort}/`, { signal: AbortSignal.timeout(1000) }).catch(() => undefined);
        return response?.ok ? response.status : undefined;
      });
      expect(answer).toBe(200);
    }
  });

  it('runs builds on the egress-only builds network, apart from apps, other builds and the host', async () => {
    const spec = (n: number) => ({
      image: buildImage,
      user: '1000:1000',
      workingDir: '/tmp',
      env: [],
      mounts: [],
      labels: buildContainerLabels(`iso-${testRunId}-${n}`, `tenant-${n}`, { [TEST_RUN_LABEL]: testRunId }),
      limits: { memoryMb: 128, cpus: 0.5, timeoutSeconds: 60, pidsLimit: 64 },
    });
    // Two builds at once, as two tenants' pushes would run.
    const seen = await withBuildContainer(docker, spec(1), undefined, () =>
      withBuildContainer(docker, spec(2), undefined, async () => {
        const running = await docker.listContainers({ filters: { label: [`${TEST_RUN_LABEL}=${testRunId}`, 'io.slipway.role=build'] } });
        return Promise.all(running.map((info) => networksOf(info.Id)));
      }),
    );
    expect(seen).toEqual([[BUILDS_NETWORK.name], [BUILDS_NETWORK.name]]);

    const network = await docker.getNetwork(BUILDS_NETWORK.name).inspect();
    expect(network.Internal).toBe(false); // egress: npm and runtime downloads
    expect(network.Options).toMatchObject({ 'com.docker.network.bridge.enable_icc': 'false', 'com.docker.network.bridge.name': BUILDS_NETWORK.bridge });
    expect(network.Labels).toMatchObject({ 'io.slipway.managed': 'true', 'io.slipway.network.role': 'builds' });
    expect(iptables('FORWARD')).toContain(`-A FORWARD -i ${BUILDS_NETWORK.bridge} -o ${BUILDS_NETWORK.bridge} -j DROP`);
    expect(iptables('INPUT').filter((line) => line.startsWith(`-A INPUT -i ${BUILDS_NETWORK.bridge} `))).toHaveLength(1);
    expect(iptables('DOCKER-ISOLATION-STAGE-2')).toContain(`-A DOCKER-ISOLATION-STAGE-2 -o ${BUILDS_NETWORK.bridge} -j DROP`);
    // Egress: Docker masquerades the builds subnet on its way out.
    const subnet = network.IPAM?.Config?.[0]?.Subnet;
    expect(execFileSync('iptables', ['-w', '-t', 'nat', '-S', 'POSTROUTING'], { encoding: 'utf8' })).toContain(`-A POSTROUTING -s ${subnet} ! -o ${BUILDS_NETWORK.bridge} -j MASQUERADE`);
  });

  it('ensures each network idempotently: concurrent callers get the one network, and the rule is added once', async () => {
    const ids = await Promise.all([ensureNetwork(docker, APPS_NETWORK), ensureNetwork(docker, APPS_NETWORK), new DockerContainerEngine(docker, hosts[0]!).ensureAppsNetwork()]);
    expect(new Set(ids).size).toBe(1);
    const named = (await docker.listNetworks({ filters: { name: [APPS_NETWORK.name] } })).filter((n) => n.Name === APPS_NETWORK.name);
    expect(named.map((n) => n.Id)).toEqual([ids[0]]);
    expect(execFileSync('iptables', ['-w', '-C', ...hostFirewallRule(APPS_NETWORK)]).length).toBe(0);
    expect(iptables('INPUT').filter((line) => line.includes(`-i ${APPS_NETWORK.bridge} `))).toHaveLength(1);
  });
});
