// Makes the world converge on Redis for one app at a time: loads desired and known state,
// asks planApp what to do, and carries the actions out through the agents. Apps are read and
// routed in parallel, but planned and carried out one at a time (see `placement`).
import { stopGraceSeconds } from '../apps/stop-grace.js';
import { effectiveHealthCheck } from '../../common/health-check.js';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../common/logger.js';
import type { AddonLink } from '../../common/protocol.js';
import { DYNO_SIZES, type App, type FormationEntry, type Host, type Instance, type Release } from '../../common/types.js';
import type { AppLogger } from '../app-logs.js';
import type { AppStore } from '../store/apps.js';
import type { HostStore } from '../store/hosts.js';
import type { InstanceStore } from '../store/instances.js';
import type { ReleaseStore } from '../store/releases.js';
import { now } from '../store/json.js';
import type { AgentClient } from '../agents/client.js';
import type { Converger } from '../converger.js';
import { KeyedSerializer } from '../../common/keyed-serializer.js';
import { imageOf } from '../../common/release-images.js';
import { planApp, type Action } from './plan.js';
import { bootCpus } from './startup-boost.js';
import { memoryInUseMb } from './placement.js';
import { computeRoute, type RoutePublisher } from './routes.js';

export interface ReconcilerDeps {
  apps: AppStore;
  releases: ReleaseStore;
  instances: InstanceStore;
  hosts: HostStore;
  agents: AgentClient;
  routes: RoutePublisher;
  appLog: AppLogger;
  logger: Logger;
  appsDomain: string;
  bootTimeoutSeconds: number;
  /** How many times its dyno's CPU an instance gets while it boots (1: none); absent: none. */
  startupCpuBoost?: number;
  /** Memory (MB) one-off dynos hold, by host: counted beside instances when placing. */
  oneOffMemory?: () => Promise<Map<string, number>>;
  stopGraceSeconds: number;
  drainMs: number;
  stopRetryMs?: number;
  /** The add-ons the app's containers reach (its attachments); none when not given. */
  addonLinks?: (appId: string) => Promise<AddonLink[]>;
  /** Whether the app's owner is suspended: its formation is kept but nothing of it runs. */
  ownerSuspended?: (app: App) => Promise<boolean>;
}

/** Pure: what runs of a formation: all of it, or, for a suspended owner or a sleeping app, none
 *  (quantities kept for later). */
export function runnableFormation(formation: readonly FormationEntry[], held: boolean): readonly FormationEntry[] {
  return held ? formation.map((entry) => ({ ...entry, quantity: 0 })) : formation;
}

/** The one key of `placement`: every app's plan queues behind every other app's. */
const PLACEMENT = 'placement';

export class Reconciler implements Converger {
  private readonly appLocks = new KeyedSerializer();
  /** Plans read every host's memory in use; starts add to it when their records are saved.
   *  Run one at a time, each plan sees what the ones before it promised, so two apps scaled
   *  at once cannot both take a host's last room. (This holds within one control plane;
   *  the agent refuses what does not fit, whoever sent it.) */
  private readonly placement = new KeyedSerializer();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly warned = new Map<string, number>();

  constructor(private readonly deps: ReconcilerDeps) {}

  convergeApp(appId: string): Promise<void> {
    return this.appLocks.run(appId, () => this.reconcileNow(appId));
  }

  exclusive<T>(appId: string, work: () => Promise<T>): Promise<T> {
    return this.appLocks.run(appId, work);
  }

  /** Every app, and the app ids of instance records whose app is gone (their instances stop). */
  async convergeAll(): Promise<void> {
    const [apps, hosts] = await Promise.all([this.deps.apps.list(), this.deps.hosts.list()]);
    const appIds = new Set(apps.map((app) => app.id));
    for (const host of hosts) for (const instance of await this.deps.instances.listForHost(host.id)) appIds.add(instance.appId);
    await Promise.all([...appIds].map((appId) => this.convergeApp(appId)));
  }

  async publishRoute(app: App): Promise<void> {
    const [domains, instances, hosts] = await Promise.all([
      this.deps.apps.domains(app.id),
      this.deps.instances.listForApp(app.id),
      this.deps.hosts.list(),
    ]);
    const hostnames = [`${app.name}.${this.deps.appsDomain}`, ...domains];
    await this.deps.routes.publish(computeRoute(app, hostnames, instances, hosts));
  }

  /** Waits for agent calls started by earlier reconciles (for shutdown and tests). */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private track(work: Promise<unknown>): void {
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  private async reconcileNow(appId: string): Promise<void> {
    const app = await this.deps.apps.get(appId);
    if (!app) return this.stopLeftovers(appId);
    await this.placement.run(PLACEMENT, () => this.planAndExecute(app));
    await this.publishRoute(app);
  }

  /** Reads the state, plans and carries the plan out; only under the placement lock. */
  private async planAndExecute(app: App): Promise<void> {
    const [release, formation, instances, hosts, suspended] = await Promise.all([
      this.deps.releases.current(app.id),
      this.deps.apps.formation(app.id),
      this.deps.instances.listForApp(app.id),
      this.deps.hosts.list(),
      this.deps.ownerSuspended?.(app) ?? false,
    ]);
    const actions = planApp({
      release,
      formation: runnableFormation(formation, suspended || Boolean(app.sleepingSince)),
      instances,
      hosts,
      hostUsageMb: await this.hostUsage(hosts),
      now: Date.now(),
      stopRetryMs: this.deps.stopRetryMs ?? 30_000,
    });
    for (const action of actions) await this.execute(app, release, action);
  }

  private async hostUsage(hosts: readonly Host[]): Promise<Record<string, number>> {
    const usage: Record<string, number> = {};
    const oneOffs = (await this.deps.oneOffMemory?.()) ?? new Map<string, number>();
    for (const host of hosts) usage[host.id] = memoryInUseMb(await this.deps.instances.listForHost(host.id)) + (oneOffs.get(host.id) ?? 0);
    return usage;
  }

  private async execute(app: App, release: Release | null, action: Action): Promise<void> {
    switch (action.kind) {
      case 'start':
        if (release) await this.start(app, release, action);
        return;
      case 'stop':
        await this.stop(app, action.instance, action.reason);
        return;
      case 'forget':
        await this.deps.instances.remove(action.instance);
        this.deps.logger.info({ app: app.name, instance: action.instance.id, reason: action.reason }, 'forgot instance');
        return;
      case 'unplaceable':
        this.warnOnce(`${app.id}:${action.type}.${action.index}`, () =>
          this.deps.appLog(app, 'scheduler', `cannot place ${action.type}.${action.index}: ${action.reason}`),
        );
        return;
    }
  }

  private warnOnce(key: string, warn: () => void): void {
    const last = this.warned.get(key) ?? 0;
    if (Date.now() - last < 60_000) return;
    this.warned.set(key, Date.now());
    warn();
  }

  private async start(app: App, release: Release, action: Extract<Action, { kind: 'start' }>): Promise<void> {
    const command = release.processTypes[action.type];
    const image = imageOf(release, action.type);
    if (!command || !image) return;
    const instance: Instance = {
      id: randomUUID(),
      appId: app.id,
      appName: app.name,
      type: action.type,
      index: action.index,
      releaseVersion: release.version,
      hostId: action.hostId,
      size: action.size,
      state: 'starting',
      port: null,
      exitCode: null,
      reason: null,
      restarts: action.restarts,
      createdAt: now(),
      updatedAt: now(),
    };
    await this.deps.instances.save(instance);
    this.deps.appLog(app, 'scheduler', `Starting process ${action.type}.${action.index} (v${release.version}) with command \`${command}\``);
    const size = DYNO_SIZES[action.size];
    const checkPort = action.type === 'web';
    const healthCheck = effectiveHealthCheck(action.type, await this.deps.apps.healthChecks(app.id), release.healthChecks);
    const run = this.deps.agents
      .run(action.hostId, {
        instanceId: instance.id,
        appId: app.id,
        appName: app.name,
        type: action.type,
        index: action.index,
        releaseVersion: release.version,
        image,
        command,
        env: release.config,
        memoryMb: size.memoryMb,
        cpus: size.cpus,
        ...bootCpus(size.cpus, this.deps.startupCpuBoost ?? 1, checkPort || healthCheck !== null),
        checkPort,
        bootTimeoutSeconds: this.deps.bootTimeoutSeconds,
        healthCheck,
        stopGraceSeconds: stopGraceSeconds(app, this.deps.stopGraceSeconds),
        drainMs: this.deps.drainMs,
        addons: (await this.deps.addonLinks?.(app.id)) ?? [],
      })
      .then(async (reply) => {
        if (!reply.ok) throw new Error(reply.error ?? 'agent refused to run the instance');
        await this.deps.instances.update(instance.id, (current) =>
          current.port === null && reply.port !== undefined ? { port: reply.port } : null,
        );
      })
      .catch(async (err: unknown) => {
        const reason = `failed to start: ${err instanceof Error ? err.message : String(err)}`;
        this.deps.logger.warn({ err, app: app.name, instance: instance.id }, 'instance failed to start');
        await this.deps.instances.update(instance.id, (current) => (current.state === 'starting' ? { state: 'crashed', reason } : null));
        void this.convergeApp(app.id);
      });
    this.track(run);
  }

  /** Instances whose app no longer exists (a delete cut short): stopped, records removed. */
  private async stopLeftovers(appId: string): Promise<void> {
    for (const instance of await this.deps.instances.listForApp(appId)) {
      const stopSent = instance.state === 'stopping' && Date.now() - Date.parse(instance.updatedAt) < (this.deps.stopRetryMs ?? 30_000);
      if (stopSent) continue;
      await this.deps.instances.update(instance.id, () => ({ state: 'stopping', reason: 'its app was deleted' }));
      this.deps.logger.warn({ app: instance.appName, instance: instance.id }, 'stopping an instance whose app was deleted');
      this.track(
        this.deps.agents
          .stop(instance.hostId, { instanceId: instance.id, graceSeconds: this.deps.stopGraceSeconds })
          .then(() => this.deps.instances.remove(instance))
          .catch((err: unknown) => this.deps.logger.warn({ err, instance: instance.id }, 'stop failed')),
      );
    }
  }

  private async stop(app: App, instance: Instance, reason: string): Promise<void> {
    const wasServing = instance.type === 'web' && instance.state === 'up';
    await this.deps.instances.update(instance.id, () => ({ state: 'stopping', reason }));
    if (wasServing) await this.publishRoute(app);
    this.deps.appLog(app, 'scheduler', `Stopping ${instance.type}.${instance.index} (v${instance.releaseVersion}): ${reason}`);
    const work = (async () => {
      // Routers stop sending new requests first; in-flight ones finish before SIGTERM.
      if (wasServing) await sleep(this.deps.drainMs);
      const reply = await this.deps.agents.stop(instance.hostId, {
        instanceId: instance.id,
        graceSeconds: stopGraceSeconds(app, this.deps.stopGraceSeconds),
      });
      if (!reply.ok) throw new Error(reply.error ?? 'agent refused to stop the instance');
      await this.deps.instances.remove(instance);
    })().catch((err: unknown) => {
      // Left in `stopping`: the plan retries the stop later, or forgets it if its host is gone.
      this.deps.logger.warn({ err, app: app.name, instance: instance.id }, 'stop failed');
    });
    this.track(work);
  }
}
