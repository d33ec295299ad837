// Hosts for real: local agents (processes) on the real Docker Engine, joining over real NATS
// with their own credentials; the operator adds, drains and removes them through the API.
import Docker from 'dockerode';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTANCE_LABELS } from '../../common/labels.js';
import type { ImageRef } from '../../common/types.js';
import { apiClient, startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';
import { startTestRegistry } from '../../test/support/services.js';
import { buildTestAppImage, removeTestAppImageReferences } from '../../test/support/test-image.js';
import { waitFor } from '../../test/support/wait.js';
import type { RunningService } from '../../supervisor/services.js';
import type { Builder } from '../builds/builder.js';

const docker = new Docker();

describe('hosts', () => {
  let registry: RunningService;
  let image: ImageRef;
  let cp: TestControlPlane;
  let admin: ReturnType<typeof apiClient>;

  type HostJson = { id: string; provider: string; state: string; capacity: { memory_mb: number; cpus: number }; instances: number };
  type DynoJson = { name: string; state: string; host: { id: string } };
  const hostList = async () => (await admin('GET', '/hosts')).body as HostJson[];
  const dynos = async () => (await admin('GET', '/apps/spread/dynos')).body as DynoJson[];

  beforeAll(async () => {
    registry = await startTestRegistry();
    image = await buildTestAppImage(docker, registry.url);
    const builder: Builder = {
      ready: true,
      prepare: async () => {},
      build: async () => ({ image, processTypes: { web: '/usr/bin/node /app/server.js' }, buildpack: 'test', stack: 'bookworm' }),
      tagImage: async () => {},
    };
    cp = await startTestControlPlane(
      {
        SLIPWAY_LOCAL_HOSTS: '1',
        SLIPWAY_REGISTRY: registry.url,
        SLIPWAY_RECONCILE_INTERVAL_MS: '1000',
        SLIPWAY_STOP_GRACE_SECONDS: '2',
        SLIPWAY_DRAIN_MS: '100',
      },
      { builder, onAgentLine: () => {} },
    );
    admin = apiClient(cp.url, cp.adminToken);
    await admin('POST', '/apps', { name: 'spread' });
    const app = (await cp.controlPlane.services.apps.getByName('spread'))!;
    await cp.controlPlane.services.releaser.fromBuild(app, { id: 'b1', image, processTypes: { web: '/usr/bin/node /app/server.js' }, sourceVersion: 'test', stack: 'bookworm' });
  });

  afterAll(async () => {
    await cp?.stop();
    await registry?.stop();
    await removeTestAppImageReferences(docker, registry.url).catch(() => {});
  });

  it('starts with the configured local host, up with its capacity', async () => {
    const [host] = await waitFor('the local host up', async () => {
      const hosts = await hostList();
      return hosts.length === 1 && hosts[0]!.state === 'up' && hosts;
    }, 30_000);
    expect(host).toMatchObject({ provider: 'local', state: 'up' });
    expect(host!.capacity.memory_mb).toBeGreaterThan(0);
    expect(host!.capacity.cpus).toBeGreaterThan(0);
  });

  it('adds hosts for operators only', async () => {
    const user = await admin('POST', '/users', { email: 'dev@example.com' });
    const dev = apiClient(cp.url, user.body.token);
    expect((await dev('GET', '/hosts')).status).toBe(403);
    expect((await dev('POST', '/hosts', { count: 1 })).status).toBe(403);
    expect((await admin('POST', '/hosts', { count: 0 })).status).toBe(422);

    const added = await admin('POST', '/hosts', { count: 2 });
    expect(added.status).toBe(201);
    expect(added.body).toHaveLength(2);
    const hosts = await waitFor('three hosts up', async () => {
      const all = await hostList();
      return all.length === 3 && all.every((h) => h.state === 'up' && h.capacity.memory_mb > 0) && all;
    }, 30_000);
    expect(new Set(hosts.map((h) => h.id)).size).toBe(3);
  });

  it('spreads an app over the hosts', async () => {
    await admin('PATCH', '/apps/spread/formation', { updates: [{ type: 'web', quantity: 3 }] });
    const running = await waitFor('three instances up', async () => {
      const all = await dynos();
      return all.length === 3 && all.every((d) => d.state === 'up') && all;
    }, 60_000);
    expect(new Set(running.map((d) => d.host.id)).size, JSON.stringify(running)).toBe(3);
    expect((await hostList()).map((h) => h.instances)).toEqual([1, 1, 1]);
  });

  it('marks a host whose agent hangs down within 10 s and moves its instances', async () => {
    const victim = (await dynos())[0]!.host.id;
    const agent = cp.controlPlane.localHosts!.agentOf(victim)!;
    const killedAt = performance.now();
    // Hung rather than killed: a local agent that dies is restarted (test/e2e/supervision.test.ts).
    agent.child.kill('SIGSTOP');
    await waitFor('the host marked down', async () => (await hostList()).find((h) => h.id === victim)?.state === 'down', 10_000);
    console.log(`host marked down ${((performance.now() - killedAt) / 1000).toFixed(1)} s after its agent hung`);
    const moved = await waitFor('three instances up on the other hosts', async () => {
      const elsewhere = (await dynos()).filter((d) => d.host.id !== victim);
      return elsewhere.length === 3 && elsewhere.every((d) => d.state === 'up') && elsewhere;
    }, 60_000);
    expect(moved).toHaveLength(3);
    // the down host's record is kept (it is adopted back if the host returns)...
    expect((await dynos()).filter((d) => d.host.id === victim)).toHaveLength(1);
    // ...until the host is removed, which takes its machine's leftovers with it
    agent.child.kill('SIGKILL');
    await cp.controlPlane.services.hostService!.remove(victim);
    expect(await docker.listContainers({ all: true, filters: { label: [`${INSTANCE_LABELS.host}=${victim}`] } })).toEqual([]);
    await waitFor('only the three moved instances listed', async () => (await dynos()).length === 3, 10_000);
  });

  it('drains a host: its instances move first, then it goes away', async () => {
    const hosts = await hostList();
    expect(hosts).toHaveLength(2);
    const target = hosts.find((h) => h.instances > 0)!;
    const response = await admin('DELETE', `/hosts/${target.id}`);
    expect(response.status).toBe(202);
    expect(response.body.state).toBe('draining');
    await waitFor('the drained host gone', async () => !(await hostList()).some((h) => h.id === target.id), 60_000);
    const all = await dynos();
    expect(all.filter((d) => d.state === 'up')).toHaveLength(3);
    expect(all.every((d) => d.host.id !== target.id)).toBe(true);
    const leftovers = await docker.listContainers({ all: true, filters: { label: [`${INSTANCE_LABELS.host}=${target.id}`] } });
    expect(leftovers).toEqual([]);
  });

  it('refuses an agent with unknown or revoked credentials', async () => {
    const removed = (await cp.controlPlane.services.hosts.list()).length;
    const verdict = await cp.controlPlane.services.hosts.verifyToken('ghost', 'slwh_whatever');
    expect(verdict).toBe(false);
    expect((await cp.controlPlane.services.hosts.list()).length).toBe(removed);
  });
});
