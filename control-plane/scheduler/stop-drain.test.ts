// How the scheduler stops an app's web instance (real Redis and NATS, a recording agent): the
// route without it is published first (in Redis and on NATS), SIGTERM follows only after the drain time, and the
// grace between SIGTERM and SIGKILL is the app's own stop_timeout_seconds, else the default.
// New instances carry that grace to the agent, for the stops it decides itself, and their boot's CPU.
import { Redis } from 'ioredis';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger.js';
import { sharedKeys, type RunInstanceRequest, type StopInstanceRequest } from '../../common/protocol.js';
import { DYNO_SIZES, type App, type Host, type Instance, type Route } from '../../common/types.js';
import { startTestNats, startTestRedis } from '../../test/support/services.js';
import type { RunningService } from '../../supervisor/services.js';
import type { AgentClient } from '../agents/client.js';
import { AppStore } from '../store/apps.js';
import { HostStore } from '../store/hosts.js';
import { InstanceStore } from '../store/instances.js';
import { ReleaseStore } from '../store/releases.js';
import { Reconciler } from './reconciler.js';
import { RoutePublisher } from './routes.js';

const DRAIN_MS = 400;
const DEFAULT_GRACE = 7;
const at = new Date().toISOString();

interface Seen {
  kind: 'route' | 'stop';
  at: number;
  backends?: string[];
  request?: StopInstanceRequest;
  /** The app's route in Redis (the routers' snapshot) when the stop arrived. */
  storedBackends?: string[];
}

describe('stopping a serving instance', () => {
  /** The real publisher, noting when each route it published was in Redis and sent. */
  class RecordingPublisher extends RoutePublisher {
    override async publish(route: Route): Promise<boolean> {
      const published = await super.publish(route);
      if (published) seen.push({ kind: 'route', at: Date.now(), backends: route.backends.map((b) => b.instanceId) });
      return published;
    }
  }

  let redisService: RunningService;
  let natsService: RunningService;
  let redis: Redis;
  let nats: NatsConnection;
  let apps: AppStore;
  let instances: InstanceStore;
  let reconciler: Reconciler;
  const seen: Seen[] = [];
  const runs: RunInstanceRequest[] = [];
  let releases: ReleaseStore;

  const agents: AgentClient = {
    run: async (_hostId, request) => {
      runs.push(request);
      return { ok: true, containerId: `c-${request.instanceId}`, port: 31_001 };
    },
    stop: async (_hostId, request) => {
      const stored = JSON.parse((await redis.hget(sharedKeys.routes, 'graceful'))!) as { backends: { instanceId: string }[] };
      seen.push({ kind: 'stop', at: Date.now(), request, storedBackends: stored.backends.map((b) => b.instanceId) });
      return { ok: true };
    },
    list: async () => ({ ok: true, instances: [] }),
    oneOff: async () => ({ ok: false, error: 'no one-offs here' }),
    stopOneOff: async () => ({ ok: true }),
  };

  /** An up web instance the app no longer wants (no release: the plan stops it). */
  async function servingInstance(app: App, id: string): Promise<Instance> {
    return instances.save({
      id, appId: app.id, appName: app.name, type: 'web', index: 1, releaseVersion: 1, hostId: 'host-1', size: 'basic', state: 'up', port: 31_000,
      exitCode: null, reason: null, restarts: 0, createdAt: at, updatedAt: at,
    });
  }

  async function stopOf(app: App, instance: Instance): Promise<{ routeAt: number; stop: Seen }> {
    seen.length = 0;
    await reconciler.convergeApp(app.id);
    await reconciler.settle();
    const routeAt = seen.find((s) => s.kind === 'route' && !s.backends!.includes(instance.id))?.at;
    const stop = seen.find((s) => s.kind === 'stop' && s.request!.instanceId === instance.id);
    expect(routeAt).toBeDefined();
    expect(stop).toBeDefined();
    return { routeAt: routeAt!, stop: stop! };
  }

  beforeAll(async () => {
    [redisService, natsService] = await Promise.all([startTestRedis(), startTestNats()]);
    redis = new Redis(redisService.url);
    nats = await connect({ servers: natsService.url });
    apps = new AppStore(redis, 'bookworm');
    instances = new InstanceStore(redis);
    const hosts = new HostStore(redis);
    const host: Host = { id: 'host-1', provider: 'local', state: 'up', address: '127.0.0.1', capacity: { memoryMb: 4096, cpus: 2 }, lastHeartbeat: at, createdAt: at };
    await hosts.save(host);
    reconciler = new Reconciler({
      apps,
      releases: (releases = new ReleaseStore(redis)),
      instances,
      hosts,
      agents,
      routes: new RecordingPublisher(redis, nats),
      appLog: () => {},
      logger: silentLogger(),
      appsDomain: 'localhost',
      bootTimeoutSeconds: 60,
      startupCpuBoost: 2,
      stopGraceSeconds: DEFAULT_GRACE,
      drainMs: DRAIN_MS,
    });
  });

  afterAll(async () => {
    await reconciler?.settle();
    await nats?.close();
    redis?.disconnect();
    await Promise.all([redisService?.stop(), natsService?.stop()]);
  });

  it('takes it out of the route, waits the drain time, then sends SIGTERM with the platform default grace', async () => {
    const app = await apps.create('graceful', { id: 'u1', email: 'ann@example.com', admin: false, createdAt: at });
    const instance = await servingInstance(app, 'web-a');
    const { routeAt, stop } = await stopOf(app, instance);
    expect(stop.storedBackends).toEqual([]);
    expect(stop.at - routeAt).toBeGreaterThanOrEqual(DRAIN_MS - 5);
    expect(stop.request!.graceSeconds).toBe(DEFAULT_GRACE);
  });

  it("uses the app's own grace once it has one", async () => {
    const app = (await apps.setStopTimeout((await apps.getByName('graceful'))!.id, 120))!;
    const instance = await servingInstance(app, 'web-b');
    // It serves: the route has it.
    await reconciler.publishRoute(app);
    const { routeAt, stop } = await stopOf(app, instance);
    expect(stop.storedBackends).toEqual([]);
    expect(stop.at - routeAt).toBeGreaterThanOrEqual(DRAIN_MS - 5);
    expect(stop.request!.graceSeconds).toBe(120);
  });

  it("tells the agent the app's grace, the platform's drain and the boot's CPU when it starts an instance", async () => {
    const app = await apps.create('starter', { id: 'u1', email: 'ann@example.com', admin: false, createdAt: at });
    await apps.setStopTimeout(app.id, 33);
    const image = { repository: '127.0.0.1:5000/apps/starter', digest: `sha256:${'a'.repeat(64)}` };
    await releases.create(app.id, { image, processTypes: { web: 'node server.js' }, config: {}, description: 'Deploy', buildId: null });
    await apps.setFormation(app.id, [{ type: 'web', quantity: 1, size: 'basic' }]);
    await reconciler.convergeApp(app.id);
    await reconciler.settle();
    expect(runs.map((r) => [r.appName, r.type, r.stopGraceSeconds, r.drainMs])).toEqual([['starter', 'web', 33, DRAIN_MS]]);
    // startup CPU boost 2: twice the dyno's CPU until it is up
    expect(runs.map((r) => [r.cpus, r.bootCpus])).toEqual([[DYNO_SIZES.basic.cpus, DYNO_SIZES.basic.cpus * 2]]);
  });
});
