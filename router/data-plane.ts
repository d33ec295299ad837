// Keeps HAProxy serving the route table: plans the steps (route-diff.ts), carries them out
// through the Runtime API, deletes drained servers, grows the slot pool with one hitless
// reload when it runs out, and repairs its view from HAProxy's own when a command fails
// or on every resync.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../common/logger.js';
import { describeError } from '../common/errors.js';
import type { Attribution } from './access-log.js';
import {
  addSlots,
  applyOp,
  findSlot,
  withoutDraining,
  type DataPlaneOp,
  type DataPlaneState,
} from './data-plane-state.js';
import type { RouterMetrics } from './metrics.js';
import { grownSlotCount, planDrainDeletions, planRouteChanges } from './route-diff.js';
import type { RouteTable } from './route-table.js';
import type { RuntimeApi } from './runtime-api.js';
import { commandsFor, parseMap, parseServerSessions, parseServersState, type CommandContext } from './runtime-commands.js';

export interface DataPlaneOptions {
  runtime: RuntimeApi;
  commandContext: CommandContext;
  /** Writes HAProxy's files for `state` and reloads it (hitless). */
  reload(state: DataPlaneState): Promise<void>;
  drainTimeoutMs: number;
  slotQuarantineMs?: number;
  drainSweepIntervalMs?: number;
  logger: Logger;
  metrics?: RouterMetrics;
  now?: () => number;
}

/** How long a deleted server's name still attributes late log lines to its app. */
const ATTRIBUTION_MEMORY_MS = 5 * 60_000;

export class DataPlane {
  private readonly options: Required<Pick<DataPlaneOptions, 'slotQuarantineMs' | 'drainSweepIntervalMs' | 'now'>> & DataPlaneOptions;
  private pending: { table: RouteTable; receivedAt: number; repair: boolean } | null = null;
  private worker: Promise<void> | null = null;
  private sweeping: Promise<void> | null = null;
  private requested = 0;
  private waiters: { ticket: number; resolve: () => void }[] = [];
  private sweepTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly forgotten = new Map<string, { attribution: Attribution; at: number }>();

  constructor(
    private state: DataPlaneState,
    options: DataPlaneOptions,
  ) {
    this.options = { slotQuarantineMs: 30_000, drainSweepIntervalMs: 250, now: Date.now, ...options };
    this.refreshGauges();
  }

  get snapshot(): DataPlaneState {
    return this.state;
  }

  /**
   * Brings HAProxy to `table`. Calls made while a run is under way are merged into the next
   * run; the promise resolves once a run that started after the call has succeeded.
   */
  update(table: RouteTable, options: { repair?: boolean; receivedAt?: number } = {}): Promise<void> {
    const receivedAt = options.receivedAt ?? this.options.now();
    this.pending = {
      table,
      receivedAt: Math.min(receivedAt, this.pending?.receivedAt ?? Infinity),
      repair: (options.repair ?? false) || (this.pending?.repair ?? false),
    };
    const ticket = ++this.requested;
    const done = new Promise<void>((resolve) => this.waiters.push({ ticket, resolve }));
    this.kick();
    return done;
  }

  /** The app and instance behind a log line's backend and server. */
  attribution(backend: string, server: string | null): Attribution | null {
    const slot = findSlot(this.state, backend);
    if (server) {
      const known = slot?.servers.find((s) => s.name === server);
      if (known) return { appName: known.appName, instanceId: known.instanceId };
      const remembered = this.forgotten.get(`${backend}/${server}`);
      if (remembered) return remembered.attribution;
    }
    return slot?.appName ? { appName: slot.appName, instanceId: null } : null;
  }

  start(): void {
    this.sweepTimer = setInterval(() => this.sweepDrains(), this.options.drainSweepIntervalMs);
    this.sweepTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    await Promise.allSettled([this.worker, this.sweeping]);
    for (const waiter of this.waiters.splice(0)) waiter.resolve();
  }

  private kick(): void {
    if (this.worker || this.stopped) return;
    this.worker = (async () => {
      if (this.sweeping) await this.sweeping;
      while (this.pending && !this.stopped) {
        const upTo = this.requested;
        const job = this.pending;
        this.pending = null;
        try {
          if (job.repair) await this.repairFromHaproxy();
          await this.applyTable(job.table);
          this.options.metrics?.routeApplySeconds.observe((this.options.now() - job.receivedAt) / 1000);
          this.waiters = this.waiters.filter((waiter) => (waiter.ticket <= upTo ? (waiter.resolve(), false) : true));
        } catch (err) {
          this.options.metrics?.runtimeApiErrors.inc();
          this.options.logger.warn({ err: describeError(err) }, 'route update failed; repairing from HAProxy and retrying');
          await sleep(200);
          // Retry with the newest table, after re-reading what HAProxy really holds.
          const newer = this.pending as typeof job | null;
          this.pending = { table: newer?.table ?? job.table, receivedAt: job.receivedAt, repair: true };
        }
      }
    })().finally(() => {
      this.worker = null;
      if (this.pending) this.kick();
    });
  }

  private async applyTable(table: RouteTable): Promise<void> {
    const now = this.options.now();
    let plan = planRouteChanges(table, this.state, { now, slotQuarantineMs: this.options.slotQuarantineMs });
    for (const conflict of plan.conflicts) {
      this.options.logger.warn(conflict, 'hostname claimed by more than one app');
    }
    if (plan.appsWithoutSlot.length > 0) {
      // Out of slots: declare more and move to the whole new state in one hitless reload.
      const next = withoutDraining(this.state);
      addSlots(next, grownSlotCount(next.slots.length, plan.appsWithoutSlot.length) - next.slots.length);
      plan = planRouteChanges(table, next, { now, slotQuarantineMs: this.options.slotQuarantineMs });
      for (const op of plan.ops) applyOp(next, op);
      const settled = withoutDraining(next);
      this.options.logger.info({ slots: settled.slots.length }, 'growing the backend slot pool (hitless reload)');
      await this.options.reload(settled);
      this.options.metrics?.reloads.inc();
      this.rememberDeleted(this.state, settled);
      this.state = settled;
      this.refreshGauges();
      return;
    }
    for (const op of plan.ops) await this.execute(op);
    this.refreshGauges();
  }

  private async execute(op: DataPlaneOp): Promise<void> {
    for (const command of commandsFor(op, this.options.commandContext)) await this.options.runtime.run(command);
    if (op.type === 'delete-server') this.remember(op.slot, op.server);
    applyOp(this.state, op);
    if (op.type !== 'assign-slot' && op.type !== 'release-slot') this.options.logger.debug({ op: describeOp(op) }, 'applied');
  }

  /** Deletes draining servers whose sessions ended (or whose drain timed out). */
  sweepDrains(): Promise<void> {
    if (this.worker || this.sweeping || this.stopped) return this.sweeping ?? Promise.resolve();
    if (!this.state.slots.some((slot) => slot.servers.some((s) => s.drainingSince !== null))) return Promise.resolve();
    this.sweeping = (async () => {
      try {
        const sessions = parseServerSessions(await this.options.runtime.send('show stat -1 4 -1'));
        for (const op of planDrainDeletions(this.state, sessions, this.options.now(), this.options.drainTimeoutMs)) {
          try {
            await this.execute(op);
          } catch (err) {
            // Typically idle connections not yet closed: the next sweep tries again.
            this.options.logger.debug({ err: describeError(err) }, 'drained server not deleted yet');
          }
        }
      } catch (err) {
        this.options.logger.warn({ err: describeError(err) }, 'drain sweep failed');
      }
    })().finally(() => {
      this.sweeping = null;
    });
    return this.sweeping;
  }

  /** Replaces the controller's view with what HAProxy reports, so the next plan fixes any drift. */
  private async repairFromHaproxy(): Promise<void> {
    const now = this.options.now();
    const hosts = parseMap(await this.options.runtime.send(`show map ${this.options.commandContext.hostsMapPath}`));
    const servers = parseServersState(await this.options.runtime.send('show servers state'));
    this.state.hosts = hosts;
    for (const slot of this.state.slots) {
      const observed = servers.filter((s) => s.backend === slot.name);
      const known = new Set(slot.servers.map((s) => s.name));
      slot.servers = slot.servers
        .filter((s) => observed.some((o) => o.server === s.name))
        .map((s) => {
          const seen = observed.find((o) => o.server === s.name)!;
          // Draining in HAProxy: keep draining; active there but draining here: drain again.
          return { ...s, drainingSince: seen.draining ? (s.drainingSince ?? now) : null };
        });
      for (const stranger of observed.filter((o) => !known.has(o.server))) {
        slot.servers.push({
          name: stranger.server,
          appName: slot.appName ?? '',
          instanceId: '',
          address: stranger.address,
          port: stranger.port,
          drainingSince: stranger.draining ? now : null,
        });
      }
    }
    const highest = Math.max(0, ...servers.map((s) => Number(s.server.slice(1))).filter(Number.isInteger));
    this.state.nextServerNumber = Math.max(this.state.nextServerNumber, highest + 1);
  }

  private remember(slotName: string, serverName: string): void {
    const server = findSlot(this.state, slotName)?.servers.find((s) => s.name === serverName);
    const now = this.options.now();
    if (server) this.forgotten.set(`${slotName}/${serverName}`, { attribution: { appName: server.appName, instanceId: server.instanceId }, at: now });
    for (const [key, entry] of this.forgotten) if (now - entry.at > ATTRIBUTION_MEMORY_MS) this.forgotten.delete(key);
  }

  private rememberDeleted(before: DataPlaneState, after: DataPlaneState): void {
    for (const slot of before.slots) {
      for (const server of slot.servers) {
        const kept = findSlot(after, slot.name)?.servers.some((s) => s.name === server.name);
        if (!kept) this.remember(slot.name, server.name);
      }
    }
  }

  private refreshGauges(): void {
    const gauge = this.options.metrics?.backends;
    if (!gauge) return;
    gauge.reset();
    for (const slot of this.state.slots) {
      if (slot.appName) gauge.set({ app: slot.appName }, slot.servers.filter((s) => s.drainingSince === null && s.appName === slot.appName).length);
    }
  }
}

function describeOp(op: DataPlaneOp): string {
  switch (op.type) {
    case 'add-server':
      return `add ${op.slot}/${op.server.name} ${op.server.address}:${op.server.port} (${op.server.appName} ${op.server.instanceId})`;
    case 'set-host':
      return `map ${op.hostname} → ${op.slot}`;
    case 'delete-host':
      return `unmap ${op.hostname}`;
    case 'assign-slot':
    case 'release-slot':
      return `${op.type} ${op.slot}`;
    default:
      return `${op.type} ${op.slot}/${op.server}`;
  }
}
