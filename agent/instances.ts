// The lifecycle of this host's instances: run, watch the boot, follow logs, notice exits,
// stop, adopt after a restart. Docker is reached only through a ContainerEngine; what a fact
// means for an instance is decided by nextStatus (instance-state.ts). Work on one instance is
// serialized, so a run, a stop and a crash report of it never interleave.
import { setTimeout as sleep } from 'node:timers/promises';
import { describeError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { InstanceStatus, LogLine, Reply, RunInstanceReply, RunInstanceRequest, StopInstanceRequest } from '../common/protocol.js';
import { bootProbeDelay, type PortProbe } from './boot-probe.js';
import { httpHealth, type HealthProbe } from './health.js';
import { MemoryLedger } from './capacity.js';
import type { ContainerEngine, ContainerEvent } from './container-engine.js';
import { CONTAINER_PORT, containerSpec, startingCpus, type HostSettings } from './container-spec.js';
import { nextStatus, startingStatus, type InstanceFact } from './instance-state.js';
import { KeyedSerializer } from '../common/keyed-serializer.js';
import { isAddon } from './addon-spec.js';
import { dynoName, hostSelector, identityFromLabels, instanceSelector, isOneOff, LABELS, type InstanceIdentity } from './labels.js';

/** Where the manager reports what happens (NATS in production, arrays in tests). */
export interface InstanceReports {
  statusChanged(status: InstanceStatus): void;
  logLine(line: LogLine): void;
}

export interface InstanceTiming {
  /** Pause between two $PORT checks during a boot. */
  probeIntervalMs: number;
  /** How long to let a dead container's log stream drain before removing it. */
  logDrainMs: number;
  /** Grace period of the stops the agent decides itself (shutdown with stopInstancesOnExit). */
  shutdownGraceSeconds: number;
}

export const DEFAULT_INSTANCE_TIMING: InstanceTiming = { probeIntervalMs: 250, logDrainMs: 2000, shutdownGraceSeconds: 10 };

export interface InstanceManagerDeps {
  host: HostSettings;
  /** Memory (MB) this host offers its instances: a run that would exceed it is refused. */
  memoryMb: number;
  /** The host's memory ledger, when one-off runs share it; else the manager keeps its own. */
  memory?: MemoryLedger;
  engine: ContainerEngine;
  reports: InstanceReports;
  probe: PortProbe;
  /** Runs an instance's health check (httpHealth unless a test brings its own). */
  health?: HealthProbe;
  log: Logger;
  timing?: Partial<InstanceTiming>;
}

interface Managed {
  identity: InstanceIdentity;
  status: InstanceStatus;
  /** The container this record is about; null before creation and after removal. */
  containerId: string | null;
  /** Aborts the boot check and the log stream of this record. */
  watchers: AbortController;
  logsDone: Promise<void>;
  /** The container an oom event was seen for: Docker's OOMKilled flag can miss a kill the
   *  kernel reported (the exit processed before the oom notice, as on nested cgroups). */
  oomSeenFor: string | null;
  /** Runs on more CPU than its dyno's until it is up (startup CPU boost). */
  boosted: boolean;
}

/** How long an exit with SIGKILL's code waits for a late oom event before it is reported. */
const LATE_OOM_WAIT_MS = 500;

const PORT_KEY = `${CONTAINER_PORT}/tcp`;

function identityOf(request: RunInstanceRequest): InstanceIdentity {
  const { instanceId, appId, appName, type, index, releaseVersion, checkPort, bootTimeoutSeconds, healthCheck, stopGraceSeconds, drainMs, cpus } = request;
  return {
    instanceId, appId, appName, type, index, releaseVersion, checkPort, bootTimeoutSeconds, healthCheck, cpus,
    ...(stopGraceSeconds !== undefined ? { stopGraceSeconds } : {}),
    ...(drainMs !== undefined ? { drainMs } : {}),
  };
}

export class InstanceManager {
  private readonly instances = new Map<string, Managed>();
  private readonly serial = new KeyedSerializer();
  private readonly background = new Set<Promise<unknown>>();
  private readonly timing: InstanceTiming;
  private readonly memory: MemoryLedger;
  private closed = false;

  constructor(private readonly deps: InstanceManagerDeps) {
    this.timing = { ...DEFAULT_INSTANCE_TIMING, ...deps.timing };
    this.memory = deps.memory ?? new MemoryLedger(deps.host.hostId, deps.memoryMb);
  }

  /** Memory (MB) held by this host's instances (admitted runs whose containers are not gone). */
  get committedMemoryMb(): number {
    return this.memory.committedMb;
  }

  /** What the agent knows of each of its instances. */
  list(): InstanceStatus[] {
    return [...this.instances.values()].map((managed) => ({ ...managed.status }));
  }

  /** The longest grace period a stop of them all gives (a container this agent does not know gets the default). */
  longestStopGraceSeconds(): number {
    return Math.max(this.timing.shutdownGraceSeconds, ...[...this.instances.values()].map((managed) => this.stopGraceOf(managed)));
  }

  /** The app's own grace period (`stop_timeout_seconds`), else the agent's. */
  private stopGraceOf(managed: Managed | undefined): number {
    return managed?.identity.stopGraceSeconds ?? this.timing.shutdownGraceSeconds;
  }

  /** The instances whose containers run now, with their containers (for resource metrics). */
  running(): { instanceId: string; appId: string; dyno: string; containerId: string }[] {
    return [...this.instances.values()]
      .filter((m) => m.containerId !== null && (m.status.state === 'up' || m.status.state === 'starting'))
      .map((m) => ({ instanceId: m.identity.instanceId, appId: m.identity.appId, dyno: `${m.identity.type}.${m.identity.index}`, containerId: m.containerId! }));
  }

  run(request: RunInstanceRequest): Promise<RunInstanceReply> {
    if (this.closed) return Promise.resolve({ ok: false, error: 'the agent is shutting down' });
    return this.serial.run(request.instanceId, () => this.runNow(request));
  }

  stop(request: StopInstanceRequest): Promise<Reply> {
    return this.serial.run(request.instanceId, () => this.stopNow(request));
  }

  /** A die or oom event from the engine's event stream. */
  containerEvent(event: ContainerEvent): void {
    const instanceId = event.labels[LABELS.instance];
    const managed = instanceId ? this.instances.get(instanceId) : undefined;
    if (!managed || managed.containerId !== event.containerId) return;
    if (event.action === 'oom') {
      managed.oomSeenFor = event.containerId;
      this.deps.log.warn({ instance: managed.identity.instanceId, dyno: dynoName(managed.identity) }, 'instance hit its memory limit');
      return;
    }
    this.inBackground(managed, () => this.handleExit(managed, event.containerId));
  }

  /** Takes over the containers an earlier run of the agent left on this host. */
  async adopt(): Promise<void> {
    const containers = await this.deps.engine.listContainers(hostSelector(this.deps.host.hostId));
    for (const container of containers) {
      if (isOneOff(container.labels)) continue; // one-off runs are not instances (one-offs.ts)
      if (isAddon(container.labels)) continue; // nor are add-ons' servers (addons.ts)
      const identity = identityFromLabels(container.labels);
      if (!identity) {
        this.deps.log.warn({ container: container.id.slice(0, 12) }, 'container has incomplete Slipway labels: left alone');
        continue;
      }
      await this.serial.run(identity.instanceId, () => this.adoptOne(identity, container.id)).catch((err) => {
        this.deps.log.error({ instance: identity.instanceId, err: describeError(err) }, 'could not adopt instance');
      });
    }
  }

  /** Checks running records against Docker, for exits whose events were missed. */
  async reconcile(): Promise<void> {
    const containers = await this.deps.engine.listContainers(hostSelector(this.deps.host.hostId));
    const running = new Set(containers.filter((container) => container.state === 'running').map((container) => container.id));
    for (const managed of this.instances.values()) {
      const { containerId } = managed;
      if (!containerId || running.has(containerId)) continue;
      if (managed.status.state !== 'up' && managed.status.state !== 'starting') continue;
      this.inBackground(managed, () => this.handleExit(managed, containerId));
    }
  }

  /** Stops watching; with `stopInstances`, also stops and removes every container of this host.
   *  Rejects if a container could not be listed or stopped, once the watchers are stopped anyway. */
  async shutdown(stopInstances: boolean): Promise<void> {
    this.closed = true;
    try {
      if (stopInstances) await this.stopEveryContainer();
    } finally {
      for (const managed of this.instances.values()) managed.watchers.abort();
      await this.serial.idle();
      while (this.background.size > 0) await Promise.allSettled([...this.background]);
    }
  }

  private async stopEveryContainer(): Promise<void> {
    const ids = new Set(this.instances.keys());
    for (const container of await this.deps.engine.listContainers(hostSelector(this.deps.host.hostId))) {
      const instanceId = container.labels[LABELS.instance];
      if (instanceId) ids.add(instanceId);
    }
    const replies = await Promise.all([...ids].map((instanceId) => this.stop({ instanceId, graceSeconds: this.stopGraceOf(this.instances.get(instanceId)) })));
    const refused = replies.filter((reply) => !reply.ok);
    if (refused.length > 0) throw new Error(`${refused.length} of ${ids.size} instances could not be stopped (each is logged)`);
  }

  private async runNow(request: RunInstanceRequest): Promise<RunInstanceReply> {
    const { engine, host } = this.deps;
    const existing = this.instances.get(request.instanceId);
    if (existing?.containerId && (existing.status.state === 'starting' || existing.status.state === 'up')) {
      // A retried request (the reply was lost): the instance already runs.
      const details = await engine.inspectContainer(existing.containerId);
      if (details?.running) return { ok: true, containerId: existing.containerId, port: existing.status.port ?? undefined };
    }

    let spec;
    try {
      spec = containerSpec(request, host);
    } catch (err) {
      return { ok: false, error: describeError(err) };
    }

    // Admitted before the first await, so concurrent runs cannot share the last room.
    const refusal = this.memory.admit(request.instanceId, dynoName(request), request.memoryMb);
    if (refusal !== null) {
      this.deps.log.warn({ instance: request.instanceId, dyno: dynoName(request), error: refusal }, 'refused a run');
      return { ok: false, error: refusal };
    }

    // Leftovers of this instance (an earlier attempt, a crashed container) make way.
    if (existing) {
      existing.watchers.abort();
      this.instances.delete(request.instanceId);
    }
    try {
      for (const container of await engine.listContainers(instanceSelector(host.hostId, request.instanceId))) {
        await engine.removeContainer(container.id);
      }
    } catch (err) {
      this.memory.release(request.instanceId);
      throw err;
    }

    const managed = this.newRecord(identityOf(request));
    managed.boosted = startingCpus(request, host.machineCpus) !== request.cpus;
    this.instances.set(request.instanceId, managed);
    try {
      const image = spec.Image!;
      if (!(await engine.hasImage(image))) {
        this.deps.log.info({ image }, 'pulling image');
        await engine.pullImage(image);
      }
      managed.containerId = await engine.createContainer(spec);
      await engine.startContainer(managed.containerId);
      const details = await engine.inspectContainer(managed.containerId);
      this.apply(managed, { kind: 'started', port: details?.publishedPorts[PORT_KEY] ?? null });
    } catch (err) {
      this.instances.delete(request.instanceId);
      managed.watchers.abort();
      if (managed.containerId) await engine.removeContainer(managed.containerId).catch(() => {});
      this.memory.release(request.instanceId);
      this.deps.log.error({ instance: request.instanceId, dyno: dynoName(request), err: describeError(err) }, 'could not start instance');
      return { ok: false, error: `could not start ${dynoName(request)}: ${describeError(err)}` };
    }
    this.deps.log.info(
      { instance: request.instanceId, app: request.appName, dyno: dynoName(request), port: managed.status.port },
      'instance started',
    );
    this.followLogs(managed, managed.containerId, undefined);
    this.watchBoot(managed, managed.containerId, Date.now() + request.bootTimeoutSeconds * 1000);
    return { ok: true, containerId: managed.containerId, port: managed.status.port ?? undefined };
  }

  private async stopNow(request: StopInstanceRequest): Promise<Reply> {
    const { engine, host } = this.deps;
    const managed = this.instances.get(request.instanceId);
    const containers = await engine.listContainers(instanceSelector(host.hostId, request.instanceId));
    if (!managed && containers.length === 0) return { ok: true };

    const identity = managed?.identity ?? identityFromLabels(containers[0]!.labels);
    if (managed) {
      this.apply(managed, { kind: 'stopping' });
      // The boot check stops here; the log stream runs until the app's last words.
    }
    try {
      for (const container of containers) {
        await engine.stopContainer(container.id, request.graceSeconds);
        if (managed?.containerId === container.id) await this.drainLogs(managed);
        await engine.removeContainer(container.id);
      }
    } catch (err) {
      this.deps.log.error({ instance: request.instanceId, err: describeError(err) }, 'could not stop instance');
      return { ok: false, error: `could not stop instance ${request.instanceId}: ${describeError(err)}` };
    }
    this.memory.release(request.instanceId);
    if (managed) {
      managed.watchers.abort();
      managed.containerId = null;
      this.apply(managed, { kind: 'removed' });
      this.instances.delete(request.instanceId);
    } else if (identity) {
      this.deps.reports.statusChanged({ ...startingStatus(identity.instanceId, identity.appName), state: 'down' });
    }
    this.deps.log.info({ instance: request.instanceId, dyno: identity ? dynoName(identity) : undefined }, 'instance stopped');
    return { ok: true };
  }

  private async adoptOne(identity: InstanceIdentity, containerId: string): Promise<void> {
    const { engine } = this.deps;
    if (this.instances.has(identity.instanceId)) {
      // Two containers for one instance: the one already adopted wins.
      await engine.removeContainer(containerId);
      return;
    }
    const details = await engine.inspectContainer(containerId);
    if (!details) return;
    const managed = this.newRecord(identity);
    managed.containerId = containerId;
    this.instances.set(identity.instanceId, managed);
    const log = { instance: identity.instanceId, dyno: dynoName(identity) };

    if (details.state === 'created') {
      // Created but never started (the agent died in between): nothing ran, nothing to keep.
      this.instances.delete(identity.instanceId);
      await engine.removeContainer(containerId);
      this.deps.reports.statusChanged({ ...managed.status, state: 'down' });
      this.deps.log.info(log, 'removed an instance that never started');
      return;
    }
    if (!details.running) {
      this.apply(managed, { kind: 'exited', exitCode: details.exitCode, oomKilled: details.oomKilled });
      await engine.removeContainer(containerId);
      managed.containerId = null;
      this.deps.log.info({ ...log, reason: managed.status.reason }, 'adopted an instance that had exited');
      return;
    }

    const port = details.publishedPorts[PORT_KEY] ?? null;
    this.memory.hold(identity.instanceId, details.memoryMb ?? 0);
    this.apply(managed, { kind: 'started', port });
    // Output from before the restart was published by the previous run of the agent.
    this.followLogs(managed, containerId, Math.floor(Date.now() / 1000));
    const bootDeadline = (details.startedAtMs ?? 0) + identity.bootTimeoutSeconds * 1000;
    const bound = await this.ready(identity, port);
    // Created with a boost the agent had not ended before it restarted.
    managed.boosted = identity.cpus !== undefined && details.cpus !== undefined && details.cpus !== identity.cpus;
    if (bound || Date.now() >= bootDeadline) {
      // Past its boot window it was up before the restart (else it would have been stopped).
      this.apply(managed, { kind: 'bound' });
      this.watchHealth(managed, containerId);
      await this.endBoost(managed, containerId);
    } else {
      this.watchBoot(managed, containerId, bootDeadline);
    }
    this.deps.log.info({ ...log, state: managed.status.state, port }, 'adopted a running instance');
  }

  /** The container of `managed` is not running (any more): a crash, unless on purpose. */
  private async handleExit(managed: Managed, containerId: string): Promise<void> {
    if (!this.isCurrent(managed, containerId)) return;
    if (managed.status.state !== 'starting' && managed.status.state !== 'up') return;
    const details = await this.deps.engine.inspectContainer(containerId);
    if (details?.running) return;
    const killed = details?.exitCode === 137 && !details.oomKilled && managed.oomSeenFor !== containerId;
    if (killed) await sleep(LATE_OOM_WAIT_MS);
    if (!this.isCurrent(managed, containerId) || (managed.status.state !== 'starting' && managed.status.state !== 'up')) return;
    const oomKilled = (details?.oomKilled ?? false) || managed.oomSeenFor === containerId;
    this.apply(managed, { kind: 'exited', exitCode: details?.exitCode ?? null, oomKilled });
    this.deps.log.warn(
      { instance: managed.identity.instanceId, dyno: dynoName(managed.identity), reason: managed.status.reason },
      'instance crashed',
    );
    await this.discardContainer(managed, containerId);
  }

  /** $PORT did not answer in time: stop the container and report the R10 crash. */
  private async failBoot(managed: Managed, containerId: string): Promise<void> {
    if (!this.isCurrent(managed, containerId) || managed.status.state !== 'starting') return;
    await this.deps.engine.stopContainer(containerId, 0);
    const { bootTimeoutSeconds, healthCheck } = managed.identity;
    this.apply(managed, { kind: 'bootTimedOut', bootTimeoutSeconds, ...(healthCheck ? { healthCheckPath: healthCheck.path } : {}) });
    this.deps.log.warn(
      { instance: managed.identity.instanceId, dyno: dynoName(managed.identity), reason: managed.status.reason },
      'instance failed to boot',
    );
    await this.discardContainer(managed, containerId);
  }

  private async markBound(managed: Managed, containerId: string): Promise<void> {
    if (!this.isCurrent(managed, containerId)) return;
    this.apply(managed, { kind: 'bound' });
    this.watchHealth(managed, containerId);
    await this.endBoost(managed, containerId);
  }

  /** Up (reported first: the route need not wait): its startup CPU boost ends, and its dyno's
   *  CPU limit holds from now on. A boot that fails ends with its container. */
  private async endBoost(managed: Managed, containerId: string): Promise<void> {
    const { cpus, instanceId } = managed.identity;
    if (!managed.boosted || cpus === undefined) return;
    managed.boosted = false;
    try {
      await this.deps.engine.limitCpus(containerId, cpus);
    } catch (err) {
      this.deps.log.error({ instance: instanceId, dyno: dynoName(managed.identity), err: describeError(err) }, 'could not end the startup CPU boost');
    }
  }

  /** Whether a booting instance may take traffic: its health check passes, or without one, $PORT answers (web) or nothing is asked. */
  private async ready(identity: InstanceIdentity, port: number | null): Promise<boolean> {
    const { address } = this.deps.host;
    if (identity.healthCheck) return port !== null && (await (this.deps.health ?? httpHealth)(address, port, identity.healthCheck)).healthy;
    return !identity.checkPort || (port !== null && (await this.deps.probe(address, port)));
  }

  /** Checks an up instance every interval; `attempts` failures in a row take it out. */
  private watchHealth(managed: Managed, containerId: string): void {
    const check = managed.identity.healthCheck;
    const port = managed.status.port;
    if (!check || port === null) return;
    const signal = managed.watchers.signal;
    const health = this.deps.health ?? httpHealth;
    const watch = async () => {
      let failures = 0;
      while (!signal.aborted) {
        await sleep(check.intervalSeconds * 1000, undefined, { signal }).catch(() => {});
        if (signal.aborted || !this.isCurrent(managed, containerId) || managed.status.state !== 'up') return;
        const result = await health(this.deps.host.address, port, check);
        failures = result.healthy ? 0 : failures + 1;
        if (failures >= check.attempts) {
          return this.serial.run(managed.identity.instanceId, () => this.failHealth(managed, containerId, check.attempts, result.detail));
        }
      }
    };
    this.track(
      watch().catch((err) => {
        if (!signal.aborted) this.deps.log.error({ instance: managed.identity.instanceId, err: describeError(err) }, 'health check failed to run');
      }),
    );
  }

  /** Failed its health check too often: report it crashed (the route drops it), let requests in
   *  flight finish for the platform's drain, stop it gracefully, and let the platform restart it. */
  private async failHealth(managed: Managed, containerId: string, attempts: number, detail: string): Promise<void> {
    if (!this.isCurrent(managed, containerId) || managed.status.state !== 'up') return;
    this.apply(managed, { kind: 'unhealthy', attempts, detail });
    this.deps.log.warn({ instance: managed.identity.instanceId, dyno: dynoName(managed.identity), reason: managed.status.reason }, 'instance is unhealthy');
    if (managed.identity.drainMs) await sleep(managed.identity.drainMs);
    await this.deps.engine.stopContainer(containerId, this.stopGraceOf(managed));
    await this.discardContainer(managed, containerId);
  }

  /** Removes a dead container; the crashed record stays (for list and heartbeats) until a stop or a new run. */
  private async discardContainer(managed: Managed, containerId: string): Promise<void> {
    await this.drainLogs(managed);
    managed.watchers.abort();
    await this.deps.engine.removeContainer(containerId);
    managed.containerId = null;
    this.memory.release(managed.identity.instanceId);
  }

  private watchBoot(managed: Managed, containerId: string, deadlineMs: number): void {
    const { engine } = this.deps;
    const signal = managed.watchers.signal;
    const instanceId = managed.identity.instanceId;
    const inSerial = (task: () => Promise<void>) => this.serial.run(instanceId, task);
    const watch = async () => {
      const began = Date.now();
      let inspectedAt = Number.NEGATIVE_INFINITY;
      while (!signal.aborted && this.isCurrent(managed, containerId) && managed.status.state === 'starting') {
        const port = managed.status.port;
        const bound = await this.ready(managed.identity, port);
        const now = Date.now();
        // The engine is asked whether the container still runs once per interval while the
        // quick port checks go on, and always before an answer counts: an exit wins over an
        // answer (the port may have answered just before the crash).
        if (bound || now - inspectedAt >= this.timing.probeIntervalMs || now >= deadlineMs) {
          inspectedAt = now;
          const details = await engine.inspectContainer(containerId);
          if (!details?.running) return inSerial(() => this.handleExit(managed, containerId));
        }
        if (bound) return inSerial(() => this.markBound(managed, containerId));
        if (now >= deadlineMs) return inSerial(() => this.failBoot(managed, containerId));
        await sleep(bootProbeDelay(now - began, this.timing.probeIntervalMs), undefined, { signal }).catch(() => {});
      }
    };
    this.track(
      watch().catch((err) => {
        if (!signal.aborted) this.deps.log.error({ instance: instanceId, err: describeError(err) }, 'boot check failed');
      }),
    );
  }

  private followLogs(managed: Managed, containerId: string, sinceSeconds: number | undefined): void {
    const { identity } = managed;
    const dyno = dynoName(identity);
    const signal = managed.watchers.signal;
    managed.logsDone = this.track(
      this.deps.engine
        .followLogs(
          containerId,
          (line) => this.deps.reports.logLine({ appName: identity.appName, appId: identity.appId, source: 'app', process: dyno, line: line.text, at: line.at }),
          { sinceSeconds, signal },
        )
        .catch((err) => {
          if (!signal.aborted) this.deps.log.warn({ instance: identity.instanceId, err: describeError(err) }, 'log stream failed');
        }),
    );
  }

  /** Gives the log stream of a stopped container a moment to deliver its last lines. */
  private async drainLogs(managed: Managed): Promise<void> {
    await Promise.race([managed.logsDone, sleep(this.timing.logDrainMs)]);
  }

  private newRecord(identity: InstanceIdentity): Managed {
    return {
      identity,
      status: startingStatus(identity.instanceId, identity.appName),
      containerId: null,
      watchers: new AbortController(),
      logsDone: Promise.resolve(),
      oomSeenFor: null,
      boosted: false,
    };
  }

  private isCurrent(managed: Managed, containerId: string): boolean {
    return this.instances.get(managed.identity.instanceId) === managed && managed.containerId === containerId;
  }

  /** Applies a fact and reports the new status, if it changes anything. */
  private apply(managed: Managed, fact: InstanceFact): void {
    const next = nextStatus(managed.status, fact);
    if (!next) return;
    managed.status = next;
    this.deps.reports.statusChanged({ ...next });
  }

  /** Queues work on one instance that nobody awaits; its failure is logged. */
  private inBackground(managed: Managed, task: () => Promise<void>): void {
    const instanceId = managed.identity.instanceId;
    this.track(
      this.serial.run(instanceId, task).catch((err) => {
        this.deps.log.error({ instance: instanceId, err: describeError(err) }, 'instance bookkeeping failed');
      }),
    );
  }

  /** Remembers a promise nobody awaits, so that shutdown can wait for it. */
  private track<T>(promise: Promise<T>): Promise<T> {
    this.background.add(promise);
    void promise.finally(() => this.background.delete(promise)).catch(() => {});
    return promise;
  }
}
