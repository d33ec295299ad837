// One host's agent: joins the platform, adopts the containers an earlier run left, answers
// the control plane's commands, watches Docker for deaths and heartbeats. It is handed its
// NATS connection and container engine; main.ts makes them.
import type { NatsConnection, Subscription } from 'nats';
import { describeError } from '../common/errors.js';
import { runShutdownSteps } from '../common/shutdown-steps.js';
import type { Logger } from '../common/logger.js';
import { decode, encode, oneOffInput, subjects, type InstanceEvent, type InstanceStatus, type LogLine } from '../common/protocol.js';
import { httpAnswers, type PortProbe } from './boot-probe.js';
import { serveCommands, type CommandServer } from './commands.js';
import type { AgentConfig } from './config.js';
import type { ContainerEngine } from './container-engine.js';
import { watchContainerEvents } from './event-watch.js';
import { everyInterval, heartbeatMessage } from './heartbeat.js';
import { sampleDynos } from './metrics.js';
import { MemoryLedger } from './capacity.js';
import { AddonBackups } from './addon-backups.js';
import { ADDON_STOP_GRACE_SECONDS, AddonManager } from './addons.js';
import { InstanceManager, type InstanceTiming } from './instances.js';
import { OneOffRunner } from './one-offs.js';
import { DEFAULT_REGISTER_RETRY, registerUntilAccepted, type RegisterRetryPolicy } from './registration.js';
import { AGENT_VERSION } from './version.js';

export interface AgentTiming extends InstanceTiming {
  register: RegisterRetryPolicy;
  /** Pause before reopening a failed Docker event stream. */
  eventsRetryMs: number;
}

export interface AgentDeps {
  nats: NatsConnection;
  engine: ContainerEngine;
  log: Logger;
  probe?: PortProbe;
  timing?: Partial<AgentTiming>;
}

/** Beyond a stop's grace period, time for the kill and the removal before its step is left. */
const STOP_DEADLINE_MARGIN_SECONDS = 15;

export class Agent {
  readonly instances: InstanceManager;
  readonly oneOffs: OneOffRunner;
  readonly addons: AddonManager;
  readonly backups: AddonBackups;
  private readonly lifetime = new AbortController();
  private commands: CommandServer | null = null;
  private inputs: Subscription | null = null;
  private heartbeats: Promise<void> = Promise.resolve();
  private metrics: Promise<void> = Promise.resolve();
  private sampling: Promise<void> | null = null;
  private events: Promise<void> = Promise.resolve();
  private reconciling: Promise<void> | null = null;
  private stopped: Promise<void> | null = null;
  /** Set once accepted: an agent that never joined touches nothing, even on exit. */
  private joined = false;

  constructor(
    private readonly config: AgentConfig,
    private readonly deps: AgentDeps,
  ) {
    const host = { hostId: config.hostId, registry: config.registry, address: config.address, machineCpus: config.machineCpus };
    // Instances and one-off runs take memory from the same ledger.
    const memory = new MemoryLedger(config.hostId, config.capacity.memoryMb);
    this.instances = new InstanceManager({
      host,
      memoryMb: config.capacity.memoryMb,
      memory,
      engine: deps.engine,
      reports: {
        statusChanged: (status) => this.publishStatus(status),
        logLine: (line) => this.publishLogLine(line),
      },
      probe: deps.probe ?? httpAnswers,
      log: deps.log,
      timing: deps.timing,
    });
    this.oneOffs = new OneOffRunner({
      host,
      engine: deps.engine,
      memory,
      reports: {
        event: (runId, event) => this.publish(subjects.oneOffEvents(config.hostId, runId), event),
        logLine: (line) => this.publishLogLine(line),
      },
      log: deps.log,
    });
    this.addons = new AddonManager({ host, engine: deps.engine, log: deps.log });
    this.backups = new AddonBackups({ host, engine: deps.engine, log: deps.log, servers: this.addons });
  }

  /** Joins (waiting as long as it takes), adopts, then serves. Rejects if stopped before joining. */
  async start(): Promise<void> {
    const { config, deps } = this;
    const { signal } = this.lifetime;
    await registerUntilAccepted({
      request: async (subject, body, timeout) => (await deps.nats.request(subject, body, { timeout })).data,
      message: {
        hostId: config.hostId,
        token: config.token,
        address: config.address,
        capacity: config.capacity,
        agentVersion: AGENT_VERSION,
      },
      policy: { ...DEFAULT_REGISTER_RETRY, ...deps.timing?.register },
      log: deps.log,
      signal,
    });
    signal.throwIfAborted();
    this.events = watchContainerEvents(deps.engine, (event) => this.instances.containerEvent(event), {
      signal,
      log: deps.log,
      retryMs: deps.timing?.eventsRetryMs ?? 1000,
    });
    this.joined = true;
    await this.instances.adopt();
    await this.oneOffs.removeLeftovers();
    await this.addons.startStopped();
    signal.throwIfAborted();
    this.commands = serveCommands(
      deps.nats,
      config.hostId,
      {
        run: (request) => this.instances.run(request),
        stop: (request) => this.instances.stop(request),
        oneOff: (request) => this.oneOffs.run(request),
        stopOneOff: (request) => this.oneOffs.stop(request.runId, request.graceSeconds),
        list: () => ({ ok: true, instances: this.instances.list() }),
        addonRun: (request) => this.addons.run(request),
        addonRemove: (request) => this.addons.remove(request.addonId),
        addonRotate: (request) => this.addons.rotatePassword(request),
        addonInfo: (request) => this.addons.info(request),
        addonWriteAccess: (request) => this.addons.setWriteAccess(request),
        addonBackup: (request) => this.backups.capture(request),
        addonRestore: (request) => this.backups.restore(request),
      },
      deps.log,
    );
    this.inputs = deps.nats.subscribe(subjects.oneOffInput(config.hostId, '*'), {
      callback: (err, msg) => {
        if (err) return;
        const runId = msg.subject.split('.').at(-1)!;
        let input;
        try {
          input = decode(oneOffInput, msg.data);
        } catch {
          return deps.log.warn({ run: runId }, 'ignored malformed one-off input');
        }
        void this.oneOffs.input(runId, input).catch((error) => deps.log.warn({ run: runId, err: describeError(error) }, 'one-off input failed'));
      },
    });
    // Once start() resolves, the NATS server knows the command subscriptions.
    await deps.nats.flush();
    this.heartbeats = everyInterval(config.heartbeatMs, () => this.heartbeat(), signal);
    this.metrics = everyInterval(config.metricsMs, () => this.sampleMetrics(), signal);
    deps.log.info({ hostId: config.hostId, instances: this.instances.list().length }, 'agent ready');
  }

  /** Stops serving; with stopInstancesOnExit (and once joined), also stops and removes every
   *  instance and one-off run, and stops the add-on servers. Every step runs whatever the others
   *  did (a Docker call refused while stopping the instances must not leave the add-ons up);
   *  rejects naming the steps that failed. Idempotent. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.lifetime.abort();
      const removeContainers = this.config.stopInstancesOnExit && this.joined;
      const failed = await runShutdownSteps(
        [
          { name: 'commands', run: () => this.commands?.close() },
          { name: 'one-off input', run: () => this.inputs?.unsubscribe() },
          { name: 'heartbeats and metrics', run: () => Promise.all([this.heartbeats, this.metrics, this.sampling, this.reconciling]) },
          // Each instance gets its own grace period; the stops run side by side.
          { name: 'instances', run: () => this.instances.shutdown(removeContainers), timeoutMs: (this.instances.longestStopGraceSeconds() + STOP_DEADLINE_MARGIN_SECONDS) * 1000 },
          { name: 'one-off runs', run: () => this.oneOffs.shutdown(removeContainers) },
          // After the apps, which may still write to them while they stop. Stopped, never removed:
          // their data stays on their volumes.
          { name: 'add-on servers', run: () => removeContainers && this.addons.stopAll(), timeoutMs: (ADDON_STOP_GRACE_SECONDS + STOP_DEADLINE_MARGIN_SECONDS) * 1000 },
          { name: 'Docker events', run: () => this.events },
          // The last events (down) must leave before the caller closes the connection.
          { name: 'NATS flush', run: () => this.deps.nats.flush() },
        ],
        (name, err) => this.deps.log.error({ step: name, err: describeError(err) }, 'a step of the agent\'s stop failed: the next ones run anyway'),
      );
      if (failed.length > 0) throw new Error(`the agent's stop failed at: ${failed.join(', ')}`);
    })();
    return this.stopped;
  }

  /** Sends the dynos' memory and CPU; a sample still being read is not overtaken. */
  private sampleMetrics(): void {
    const running = this.instances.running();
    if (this.sampling || running.length === 0) return;
    this.sampling = sampleDynos(this.deps.engine, this.config.hostId, running, new Date())
      .then((metrics) => this.publish(subjects.dynoMetrics(this.config.hostId), metrics))
      .catch((err) => this.deps.log.warn({ err: describeError(err) }, 'could not sample the dynos'))
      .finally(() => {
        this.sampling = null;
      });
  }

  private heartbeat(): void {
    this.publish(subjects.heartbeat(this.config.hostId), heartbeatMessage(this.config, this.instances.list(), new Date()));
    // Heartbeats double as the safety net for missed Docker events.
    this.reconciling ??= this.instances
      .reconcile()
      .catch((err) => this.deps.log.warn({ err: describeError(err) }, 'could not reconcile with Docker'))
      .finally(() => {
        this.reconciling = null;
      });
  }

  private publishStatus(status: InstanceStatus): void {
    const event: InstanceEvent = { ...status, hostId: this.config.hostId, at: new Date().toISOString() };
    this.publish(subjects.instanceEvent(this.config.hostId), event);
  }

  private publishLogLine(line: LogLine): void {
    if (line.appId) this.publish(subjects.logs(line.appId), line);
  }

  private publish(subject: string, message: unknown): void {
    try {
      this.deps.nats.publish(subject, encode(message));
    } catch (err) {
      // Closed or draining connection: the reconcile loop heals what is lost.
      this.deps.log.debug({ subject, err: describeError(err) }, 'could not publish');
    }
  }
}
