// DockerContainerEngine against the real Docker Engine and a real registry.
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageRef } from '../common/types.js';
import type { RunningService } from '../supervisor/services.js';
import { startTestRegistry } from '../test/support/services.js';
import { buildTestAppImage, removeTestAppImageReferences } from '../test/support/test-image.js';
import type { ContainerEvent, ContainerLogLine } from './container-engine.js';
import { containerSpec, imageReference } from './container-spec.js';
import { DockerContainerEngine, ForeignContainerError } from './docker-engine.js';
import { hostSelector, instanceSelector } from './labels.js';
import { removeHostLeftovers, runRequest, uniqueHostId } from './testing/agent-fixtures.js';
import { waitFor } from '../test/support/wait.js';

const docker = new Docker();
const hostA = uniqueHostId('engine-a');
const hostB = uniqueHostId('engine-b');
const engine = new DockerContainerEngine(docker, hostA);
let registry: RunningService;
let image: ImageRef;

beforeAll(async () => {
  registry = await startTestRegistry();
  image = await buildTestAppImage(docker, registry.url);
});

afterAll(async () => {
  await removeHostLeftovers(docker, [hostA, hostB]);
  await removeTestAppImageReferences(docker, registry.url);
  await registry.stop();
});

describe('DockerContainerEngine', () => {
  it('pulls an image by digest from the registry, and then has it', async () => {
    const reference = imageReference(registry.url, image);
    await removeTestAppImageReferences(docker, registry.url);
    expect(await engine.hasImage(reference)).toBe(false);
    await engine.pullImage(reference);
    expect(await engine.hasImage(reference)).toBe(true);
  });

  it('fails a pull of a digest the registry does not have', async () => {
    const missing = imageReference(registry.url, { repository: image.repository, digest: `sha256:${'0'.repeat(64)}` });
    await expect(engine.pullImage(missing)).rejects.toThrow(/pull/);
  });

  it('creates and starts a container, publishes its port on the address, follows its logs, stops and removes it', async () => {
    const request = runRequest(image);
    const spec = containerSpec(request, { hostId: hostA, registry: registry.url, address: '127.0.0.1' });
    if (!(await engine.hasImage(spec.Image!))) await engine.pullImage(spec.Image!);
    const id = await engine.createContainer(spec);
    await engine.startContainer(id);

    const details = await engine.inspectContainer(id);
    expect(details?.running).toBe(true);
    const port = details?.publishedPorts['5000/tcp'];
    expect(port).toBeGreaterThan(0);

    const lines: ContainerLogLine[] = [];
    const logs = new AbortController();
    const following = engine.followLogs(id, (line) => lines.push(line), { signal: logs.signal });
    await waitFor('the server to answer', async () => {
      // Before the app listens, Docker's proxy may hold a connection open: bound each try.
      const response = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) }).catch(() => undefined);
      return response?.ok ? await response.text() : undefined;
    });
    await waitFor('the request log line', () => lines.find((line) => line.text === 'GET /'));
    expect(lines.find((line) => line.text === 'booting web.1')).toMatchObject({ stream: 'stdout' });

    expect((await engine.listContainers(instanceSelector(hostA, request.instanceId))).map((c) => c.id)).toEqual([id]);

    await engine.stopContainer(id, 5);
    await following; // the log stream ends with the container
    expect(lines.map((line) => line.text)).toContain('received SIGTERM, exiting');
    const stopped = await engine.inspectContainer(id);
    expect(stopped).toMatchObject({ running: false, exitCode: 0 });

    await engine.removeContainer(id);
    expect(await engine.inspectContainer(id)).toBeNull();
    // Both are idempotent.
    await engine.stopContainer(id, 1);
    await engine.removeContainer(id);
  });

  it('changes a running container\'s CPU limit, and reads it back', async () => {
    const spec = containerSpec(runRequest(image, { cpus: 0.5, bootCpus: 1 }), { hostId: hostA, registry: registry.url, address: '127.0.0.1', machineCpus: 2 });
    if (!(await engine.hasImage(spec.Image!))) await engine.pullImage(spec.Image!);
    const id = await engine.createContainer(spec);
    await engine.startContainer(id);
    expect((await engine.inspectContainer(id))?.cpus).toBe(1);
    await engine.limitCpus(id, 0.5);
    expect((await engine.inspectContainer(id))?.cpus).toBe(0.5);
    expect((await docker.getContainer(id).inspect()).HostConfig.NanoCpus).toBe(500_000_000);
    await engine.removeContainer(id);
    // one already gone is fine
    await engine.limitCpus(id, 0.5);
  });

  it('gives each add-on network a subnet of its own from the range, per host, past what Docker’s default pools hold', async () => {
    const range = '10.214.0.0/19'; // 64 subnets of /25; Docker's default pools hold about 30 networks
    const onA = new DockerContainerEngine(docker, hostA, { addonSubnets: range });
    const onB = new DockerContainerEngine(docker, hostB, { addonSubnets: range });
    const ids = Array.from({ length: 40 }, (_, i) => `net-${i}`);
    // eight at a time: creators racing for the same free subnet, as concurrent add-on runs do
    for (let i = 0; i < ids.length; i += 8) await Promise.all(ids.slice(i, i + 8).map((id) => onA.ensureAddonNetwork(id)));
    await onB.ensureAddonNetwork('net-0'); // the same add-on on another host sharing the engine: a network of its own
    expect((await onA.listAddonNetworks()).sort()).toEqual([...ids].sort());
    expect(await onB.listAddonNetworks()).toEqual(['net-0']);
    const networks = await docker.listNetworks({ filters: { label: [`io.slipway.network.role=addon`, 'io.slipway.addon'] } });
    const ours = networks.filter((network) => [hostA, hostB].includes(network.Labels?.['io.slipway.host'] ?? ''));
    const subnets = ours.map((network) => network.IPAM?.Config?.[0]?.Subnet ?? '');
    expect(subnets).toHaveLength(41);
    expect(new Set(subnets).size).toBe(41);
    for (const subnet of subnets) expect(subnet).toMatch(/^10\.214\.([0-9]|[12][0-9]|3[01])\.(0|128)\/25$/);
    for (const id of ids) await onA.removeAddonNetwork(id);
    await onB.removeAddonNetwork('net-0');
    expect([...(await onA.listAddonNetworks()), ...(await onB.listAddonNetworks())]).toEqual([]);
  }, 120_000);

  it('never touches a container labeled for another host', async () => {
    const spec = containerSpec(runRequest(image), { hostId: hostB, registry: registry.url, address: '127.0.0.1' });
    if (!(await engine.hasImage(spec.Image!))) await engine.pullImage(spec.Image!);
    const foreign = await docker.createContainer(spec);
    await foreign.start();

    await expect(engine.inspectContainer(foreign.id)).rejects.toThrow(ForeignContainerError);
    await expect(engine.stopContainer(foreign.id, 0)).rejects.toThrow(ForeignContainerError);
    await expect(engine.removeContainer(foreign.id)).rejects.toThrow(ForeignContainerError);
    await expect(engine.startContainer(foreign.id)).rejects.toThrow(ForeignContainerError);
    await expect(engine.limitCpus(foreign.id, 0.1)).rejects.toThrow(ForeignContainerError);
    await expect(engine.followLogs(foreign.id, () => {}, { signal: new AbortController().signal })).rejects.toThrow(ForeignContainerError);
    // Even a selector that names the other host only finds this host's containers.
    expect(await engine.listContainers(hostSelector(hostB))).toEqual([]);
    await expect(engine.createContainer(spec)).rejects.toThrow(/not labeled for host/);

    expect((await foreign.inspect()).State.Running).toBe(true);
    await foreign.remove({ force: true });
  });

  it('reports die events of its own containers only, with the exit code', async () => {
    const events: ContainerEvent[] = [];
    const watching = new AbortController();
    const since = Math.floor(Date.now() / 1000) - 1;
    const watched = engine.watchEvents((event) => events.push(event), { sinceSeconds: since, signal: watching.signal });

    const address = { registry: registry.url, address: '127.0.0.1' };
    const ownRequest = runRequest(image, { env: { CRASH_ON_BOOT: '1' } });
    const own = await engine.createContainer(containerSpec(ownRequest, { hostId: hostA, ...address }));
    const foreign = await docker.createContainer(containerSpec(runRequest(image, { env: { CRASH_ON_BOOT: '1' } }), { hostId: hostB, ...address }));
    await foreign.start();
    await engine.startContainer(own);

    const died = await waitFor('the die event', () => events.find((event) => event.containerId === own && event.action === 'die'));
    expect(died.exitCode).toBe(1);
    expect(died.labels['io.slipway.instance']).toBe(ownRequest.instanceId);
    await foreign.wait();
    watching.abort();
    await watched;
    expect(events.some((event) => event.containerId === foreign.id)).toBe(false);
  });
});
