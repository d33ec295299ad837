// No host is ever promised more memory than it has: several apps scaled at once onto small
// hosts, through the real API, Redis, NATS, agents and Docker Engine. A sampler watches every
// host throughout, both as the control plane's records say (what it promised) and as Docker
// has it (the memory limits of the containers that exist).
import Docker from 'dockerode';
import { Redis } from 'ioredis';
import { connect, type NatsConnection } from 'nats';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger.js';
import type { RunInstanceReply } from '../../common/protocol.js';
import { DYNO_SIZES, type App, type ImageRef } from '../../common/types.js';
import { Agent } from '../../agent/agent.js';
import { natsConnectionOptions, parseAgentConfig } from '../../agent/config.js';
import { DockerContainerEngine } from '../../agent/docker-engine.js';
import { removeHostLeftovers } from '../../agent/testing/agent-fixtures.js';
import { INSTANCE_LABELS } from '../../common/labels.js';
import { apiClient, startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';
import { startTestRegistry } from '../../test/support/services.js';
import { buildTestAppImage, removeTestAppImageReferences } from '../../test/support/test-image.js';
import { waitFor } from '../../test/support/wait.js';
import type { RunningService } from '../../supervisor/services.js';
import type { Builder } from '../builds/builder.js';
import { newHostCredentials, recordNewHost } from '../hosts/new-host.js';
import { NatsAgentClient, type AgentClient } from '../agents/client.js';
import { Reconciler } from './reconciler.js';
import { RoutePublisher } from './routes.js';

const docker = new Docker();
const COMMAND = '/usr/bin/node /app/server.js';
const BASIC_MB = DYNO_SIZES.basic.memoryMb;
const APP_NAMES = ['cap-a', 'cap-b', 'cap-c', 'cap-d'];

interface Peak {
  capacityMb: number;
  recordsMb: number;
  containersMb: number;
}

describe('placement under concurrent scaling', () => {
  let registry: RunningService;
  let image: ImageRef;
  let cp: TestControlPlane;
  let admin: ReturnType<typeof apiClient>;
  let apps: App[];
  const agents: { agent: Agent; connection: NatsConnection }[] = [];
  const hostIds: string[] = [];
  const peaks = new Map<string, Peak>();
  let sampling = true;
  let sampler: Promise<void> = Promise.resolve();

  /** A host the control plane knows, with an in-process agent offering `memoryMb`. */
  async function addHost(memoryMb: number): Promise<string> {
    const credentials = newHostCredentials('local');
    await recordNewHost(cp.controlPlane.services.hosts, credentials, { provider: 'local', natsUsers: false });
    hostIds.push(credentials.hostId);
    const config = parseAgentConfig(
      {
        SLIPWAY_HOST_ID: credentials.hostId,
        SLIPWAY_HOST_TOKEN: credentials.token,
        SLIPWAY_NATS_URL: cp.nats.url,
        SLIPWAY_REGISTRY: registry.url,
        SLIPWAY_HOST_MEMORY_MB: String(memoryMb),
        SLIPWAY_HEARTBEAT_MS: '500',
        SLIPWAY_AGENT_STOP_INSTANCES_ON_EXIT: 'true',
      },
      { memoryMb, cpus: 2 },
    );
    const connection = await connect(natsConnectionOptions(config));
    const agent = new Agent(config, { nats: connection, engine: new DockerContainerEngine(docker, config.hostId), log: silentLogger(), timing: { probeIntervalMs: 100 } });
    agents.push({ agent, connection });
    await agent.start();
    await waitFor(`host ${config.hostId} up`, async () => (await cp.controlPlane.services.hosts.get(config.hostId))?.state === 'up');
    return config.hostId;
  }

  /** Memory limits (MB) of the containers that exist for a host, as Docker has them. */
  async function containerMemoryMb(hostId: string): Promise<number> {
    const containers = await docker.listContainers({ all: true, filters: { label: [`${INSTANCE_LABELS.host}=${hostId}`] } });
    let sum = 0;
    for (const container of containers) {
      const info = await docker.getContainer(container.Id).inspect().catch(() => null);
      sum += (info?.HostConfig.Memory ?? 0) / (1024 * 1024);
    }
    return sum;
  }

  /** Watches every host until the file ends, keeping the most memory each was ever given. */
  async function sample(): Promise<void> {
    const { hosts, instances } = cp.controlPlane.services;
    while (sampling) {
      for (const host of await hosts.list()) {
        const records = (await instances.listForHost(host.id)).filter((i) => i.state !== 'down');
        const recordsMb = records.reduce((sum, i) => sum + DYNO_SIZES[i.size].memoryMb, 0);
        const containersMb = await containerMemoryMb(host.id);
        const peak = peaks.get(host.id) ?? { capacityMb: host.capacity.memoryMb, recordsMb: 0, containersMb: 0 };
        peaks.set(host.id, {
          capacityMb: Math.max(peak.capacityMb, host.capacity.memoryMb),
          recordsMb: Math.max(peak.recordsMb, recordsMb),
          containersMb: Math.max(peak.containersMb, containersMb),
        });
      }
      await sleep(20);
    }
  }

  const report = (label: string) => console.log(`${label}: ${JSON.stringify(Object.fromEntries(peaks))}`);

  /** Instance records of an app that are not down. */
  const liveOf = async (app: App) => (await cp.controlPlane.services.instances.listForApp(app.id)).filter((i) => i.state !== 'down');

  async function setQuantities(quantity: (app: App) => number): Promise<void> {
    for (const app of apps) await cp.controlPlane.services.apps.setFormation(app.id, [{ type: 'web', quantity: quantity(app), size: 'basic' }]);
  }

  /** Scales every app to zero and waits until no instance is left. */
  async function scaleAllDown(): Promise<void> {
    await setQuantities(() => 0);
    await cp.controlPlane.services.converger.convergeAll();
    await waitFor('no instances left', async () => {
      for (const app of apps) if ((await liveOf(app)).length > 0) return false;
      return true;
    }, 60_000);
    // A sample begun before the last instance went must not count for the next test.
    await sleep(500);
    peaks.clear();
  }

  /** Waits until exactly `count` instances (over all apps) are up and nothing else is live. */
  async function waitForUp(count: number): Promise<void> {
    await waitFor(`${count} instances up`, async () => {
      const live = (await Promise.all(apps.map(liveOf))).flat();
      return live.length === count && live.every((i) => i.state === 'up');
    }, 90_000);
  }

  beforeAll(async () => {
    registry = await startTestRegistry();
    image = await buildTestAppImage(docker, registry.url);
    const builder: Builder = {
      ready: true,
      prepare: async () => {},
      build: async () => ({ image, processTypes: { web: COMMAND }, buildpack: 'test', stack: 'bookworm' }),
      tagImage: async () => {},
    };
    cp = await startTestControlPlane(
      {
        SLIPWAY_REGISTRY: registry.url,
        // Only the reconciles this file asks for (and those agents' reports cause).
        SLIPWAY_RECONCILE_INTERVAL_MS: '3600000',
        SLIPWAY_STOP_GRACE_SECONDS: '1',
        SLIPWAY_DRAIN_MS: '0',
      },
      { builder },
    );
    admin = apiClient(cp.url, cp.adminToken);
    const { services } = cp.controlPlane;
    apps = [];
    for (const name of APP_NAMES) {
      expect((await admin('POST', '/apps', { name })).status).toBe(201);
      const app = (await services.apps.getByName(name))!;
      // Nothing runs until a test scales it.
      await services.apps.setFormation(app.id, [{ type: 'web', quantity: 0, size: 'basic' }]);
      await services.releaser.fromBuild(app, { id: `b-${name}`, image, processTypes: { web: COMMAND }, sourceVersion: 'test', stack: 'bookworm' });
      apps.push(app);
    }
    sampler = sample();
  });

  afterAll(async () => {
    sampling = false;
    await sampler;
    for (const { agent, connection } of agents) {
      await agent.stop();
      await connection.close();
    }
    await cp?.stop();
    await removeHostLeftovers(docker, hostIds);
    await registry?.stop();
    await removeTestAppImageReferences(docker, registry.url).catch(() => {});
  });

  it('fills a small host exactly when four apps are scaled at once through the API', async () => {
    const host = await addHost(3 * BASIC_MB);
    // 8 instances wanted, room for 3.
    const replies = await Promise.all(APP_NAMES.map((name) => admin('PATCH', `/apps/${name}/formation`, { updates: [{ type: 'web', quantity: 2 }] })));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    try {
      await waitForUp(3);
      await sleep(1000);
      await waitForUp(3);
    } finally {
      report('peak memory, scaled through the API');
    }
    expect(peaks.get(host)).toEqual({ capacityMb: 3 * BASIC_MB, recordsMb: 3 * BASIC_MB, containersMb: 3 * BASIC_MB });
  });

  it('fills it exactly when one reconcile pass (convergeAll) places every app', async () => {
    await scaleAllDown();
    const [host] = hostIds;
    await setQuantities(() => 2);
    await cp.controlPlane.services.converger.convergeAll();
    try {
      await waitForUp(3);
    } finally {
      report('peak memory, placed by convergeAll');
    }
    expect(peaks.get(host!)).toEqual({ capacityMb: 3 * BASIC_MB, recordsMb: 3 * BASIC_MB, containersMb: 3 * BASIC_MB });
  });

  it('a run an agent refuses (two control planes racing) fails like any run and is placed elsewhere', async () => {
    await scaleAllDown();
    const [first, second, third] = apps as [App, App, App, App];
    // The first host keeps 512 MB free; a second host has 512 MB in all.
    await setQuantities((app) => (app === first ? 2 : 0));
    await cp.controlPlane.services.converger.convergeApp(first.id);
    await waitForUp(2);
    const small = await addHost(BASIC_MB);
    // The reconciles its registration set off finish first (per app, in order): this one
    // control plane must not take part in the race below.
    await cp.controlPlane.services.converger.convergeAll();

    // Two more control planes, sharing the platform's Redis and NATS, each scaling one app.
    const { services } = cp.controlPlane;
    const redis = new Redis(cp.redis.url);
    const nats = await connect({ servers: cp.nats.url });
    const replies: RunInstanceReply[] = [];
    const recording = (client: AgentClient): AgentClient => ({
      run: async (hostId, request) => {
        const reply = await client.run(hostId, request);
        replies.push(reply);
        return reply;
      },
      stop: (hostId, request) => client.stop(hostId, request),
      list: (hostId) => client.list(hostId),
      oneOff: (hostId, request) => client.oneOff(hostId, request),
      stopOneOff: (hostId, request) => client.stopOneOff(hostId, request),
    });
    const rival = () =>
      new Reconciler({
        apps: services.apps,
        releases: services.releases,
        instances: services.instances,
        hosts: services.hosts,
        agents: recording(new NatsAgentClient(nats)),
        routes: new RoutePublisher(redis, nats),
        appLog: () => {},
        logger: silentLogger(),
        appsDomain: 'localhost',
        bootTimeoutSeconds: 60,
        stopGraceSeconds: 1,
        drainMs: 0,
      });
    const rivals = [rival(), rival()];
    try {
      await setQuantities((app) => (app === first ? 2 : app === second || app === third ? 1 : 0));
      // Each plans against the same snapshot: both pick the same host for its last 512 MB.
      await Promise.all([rivals[0]!.convergeApp(second.id), rivals[1]!.convergeApp(third.id)]);
      try {
        await waitForUp(4);
      } finally {
        report('peak memory, two control planes racing');
        console.log(`agent replies to the rivals: ${JSON.stringify(replies)}`);
      }
      const refusals = replies.filter((r) => !r.ok);
      expect(refusals.length).toBeGreaterThan(0);
      for (const refusal of refusals) {
        expect(refusal).toEqual({ ok: false, error: expect.stringMatching(/^host \S+ is out of memory: web\.1 needs 512 MB, 0 MB of \d+ MB free$/) });
      }
      // The refused instance was not lost: it runs on the other host.
      const [secondHost, thirdHost] = [(await liveOf(second))[0]!.hostId, (await liveOf(third))[0]!.hostId];
      expect(new Set([secondHost, thirdHost]).size).toBe(2);
      expect([secondHost, thirdHost]).toContain(small);
      // Whatever the control planes promised, no host ever carried more than it has.
      for (const peak of peaks.values()) expect(peak.containersMb).toBeLessThanOrEqual(peak.capacityMb);
    } finally {
      await Promise.all(rivals.map((r) => r.settle()));
      await nats.close();
      redis.disconnect();
    }
  });
});
