// The drain forwarder: one control plane at a time (a Redis lease) reads every app's log lines
// from the log stream through one durable JetStream consumer and hands each line to the
// forwarders of its app's drains. The consumer is durable, so a restarted control plane (or the
// next one to take the lease) goes on from where the last one stopped instead of losing what
// was logged meanwhile; what sat in the forwarders' buffers is lost with the process. The drain
// list is read from Redis every `resyncMs` and at once when an API call changes it (NATS).
import { AckPolicy, DeliverPolicy, type ConsumerMessages, type JsMsg, type NatsConnection, type Subscription } from 'nats';
import { Counter, type Registry } from 'prom-client';
import type { Logger } from '../../common/logger.js';
import { logLinesOf, subjects } from '../../common/protocol.js';
import type { AppLogger } from '../app-logs.js';
import { LOG_STREAM } from '../logs/stream.js';
import type { LeaderLease } from '../scheduler/leader.js';
import type { AppStore } from '../store/apps.js';
import type { LogDrain, LogDrainStore } from '../store/log-drains.js';
import type { AddressPolicy } from './addresses.js';
import { DrainForwarder, dropMessage } from './forwarder.js';
import { drainTransport } from './transports.js';
import { parseDrainUrl } from './url.js';

/** The durable consumer's name: the same for every control plane, so each takes over its position. */
export const DRAIN_CONSUMER = 'slipway-log-drains';

export interface DrainSettings {
  bufferLines: number;
  batchLines: number;
  /** trusted CA certificates (PEM) for TLS drains, or undefined: Node's bundled ones */
  ca: string | undefined;
  allowHttp: boolean;
  addresses: AddressPolicy;
  timeoutMs: number;
  retry: { baseMs: number; capMs: number };
}

export interface DrainServiceDeps {
  nats: NatsConnection;
  drains: LogDrainStore;
  apps: AppStore;
  lease: LeaderLease;
  appLog: AppLogger;
  logger: Logger;
  registry: Registry;
  settings: DrainSettings;
  resyncMs: number;
}

export class LogDrainService {
  private readonly forwarders = new Map<string, DrainForwarder>();
  /** app id → its drains' forwarders */
  private readonly byApp = new Map<string, DrainForwarder[]>();
  private messages: ConsumerMessages | null = null;
  private timer: NodeJS.Timeout | null = null;
  private notices: Subscription | null = null;
  private resyncing: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly delivered: Counter<'app' | 'drain'>;
  private readonly dropped: Counter<'app' | 'drain'>;

  constructor(private readonly deps: DrainServiceDeps) {
    this.delivered = new Counter({ name: 'slipway_log_drain_lines_delivered_total', help: 'Log lines a drain took', labelNames: ['app', 'drain'], registers: [deps.registry] });
    this.dropped = new Counter({ name: 'slipway_log_drain_lines_dropped_total', help: 'Log lines dropped because a drain was slow, down or refused them (L10)', labelNames: ['app', 'drain'], registers: [deps.registry] });
  }

  start(): void {
    this.notices = this.deps.nats.subscribe(subjects.logDrainsChanged, { callback: () => this.resync() });
    this.timer = setInterval(() => this.resync(), this.deps.resyncMs);
    this.resync();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.notices?.unsubscribe();
    await this.resyncing;
    await this.standDown();
    await this.deps.lease.release();
  }

  /** Runs one pass after the one in progress (passes never overlap). */
  resync(): void {
    this.resyncing = this.resyncing.then(() => this.pass()).catch((err: unknown) => this.deps.logger.warn({ err }, 'log drain pass failed'));
  }

  private async pass(): Promise<void> {
    if (this.stopped) return;
    if (!(await this.deps.lease.refresh())) return this.standDown();
    const drains = await this.deps.drains.all();
    await this.reconcile(drains);
    if (!this.messages) await this.consume();
  }

  private async reconcile(drains: readonly LogDrain[]): Promise<void> {
    const wanted = new Set(drains.map((d) => d.id));
    for (const [id, forwarder] of this.forwarders) {
      if (!wanted.has(id)) {
        this.forwarders.delete(id);
        await forwarder.stop();
      }
    }
    for (const drain of drains) {
      if (this.forwarders.has(drain.id)) continue;
      const forwarder = await this.forwarderFor(drain);
      if (!forwarder) continue;
      this.forwarders.set(drain.id, forwarder);
      forwarder.start();
    }
    this.byApp.clear();
    for (const drain of drains) {
      const forwarder = this.forwarders.get(drain.id);
      if (!forwarder) continue;
      const list = this.byApp.get(drain.appId) ?? [];
      list.push(forwarder);
      this.byApp.set(drain.appId, list);
    }
  }

  private async forwarderFor(drain: LogDrain): Promise<DrainForwarder | null> {
    const { settings } = this.deps;
    const app = await this.deps.apps.get(drain.appId);
    if (!app) return null;
    let target;
    try {
      // Checked again: the operator may have tightened the policy since the drain was added.
      target = parseDrainUrl(drain.url, settings);
    } catch (err) {
      this.deps.logger.warn({ err, app: app.name, drain: drain.id }, 'log drain not forwarded: its URL is refused');
      return null;
    }
    const labels = { app: app.name, drain: drain.id };
    const transport = drainTransport(target, { token: drain.token, ca: settings.ca, addresses: settings.addresses, timeoutMs: settings.timeoutMs });
    return new DrainForwarder(drain, transport, {
      capacity: settings.bufferLines,
      batchLines: settings.batchLines,
      retry: settings.retry,
      report: (drops) => this.deps.appLog(app, 'logplex', dropMessage(drops, drain.token)),
      delivered: (count) => this.delivered.inc(labels, count),
      dropped: (count) => this.dropped.inc(labels, count),
      logger: this.deps.logger.child({ app: app.name }),
    });
  }

  /** Reads every app's lines from where the durable consumer stands (new lines on its first run). */
  private async consume(): Promise<void> {
    const jsm = await this.deps.nats.jetstreamManager();
    await jsm.consumers.info(LOG_STREAM, DRAIN_CONSUMER).catch(() =>
      jsm.consumers.add(LOG_STREAM, { durable_name: DRAIN_CONSUMER, filter_subject: subjects.allLogs, deliver_policy: DeliverPolicy.New, ack_policy: AckPolicy.None }),
    );
    const consumer = await this.deps.nats.jetstream().consumers.get(LOG_STREAM, DRAIN_CONSUMER);
    const messages = await consumer.consume();
    this.messages = messages;
    void (async () => {
      try {
        for await (const message of messages) this.dispatch(message);
      } catch (err) {
        this.deps.logger.warn({ err }, 'reading the log stream for drains stopped; starting again');
      } finally {
        if (this.messages === messages) this.messages = null;
      }
    })();
  }

  private dispatch(message: JsMsg): void {
    // Most apps have no drain: only their subject is looked at, not their lines.
    const forwarders = this.byApp.get(message.subject.slice(subjects.logs('').length));
    if (!forwarders) return;
    let lines;
    try {
      lines = logLinesOf(message.json());
    } catch {
      return;
    }
    for (const line of lines) for (const forwarder of forwarders) forwarder.offer(line);
  }

  /** Not (or no longer) the forwarder: stop reading and close every drain. */
  private async standDown(): Promise<void> {
    const messages = this.messages;
    this.messages = null;
    messages?.stop();
    const forwarders = [...this.forwarders.values()];
    this.forwarders.clear();
    this.byApp.clear();
    await Promise.all(forwarders.map((f) => f.stop()));
  }
}
