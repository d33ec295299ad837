// List-then-watch (Flynn's router/sync.go): the route table is read whole from Redis, then
// kept current by NATS messages, and re-read periodically (and on NATS reconnect) so a
// missed message heals itself and stale backends are pruned.
import type { Logger } from '../common/logger.js';
import { describeError } from '../common/errors.js';
import type { RouterMetrics } from './metrics.js';
import { mergeSnapshot, normalizeRoute, withRoute, type AppRoute, type RouteTable } from './route-table.js';

export interface RouteSnapshot {
  table: Map<string, AppRoute>;
  problems: string[];
}

export interface RouteSyncOptions {
  appsDomain: string;
  readSnapshot(): Promise<RouteSnapshot>;
  logger: Logger;
  metrics?: RouterMetrics;
}

export type TableListener = (table: RouteTable, change: { receivedAt: number; resync: boolean }) => void;

export class RouteSync {
  private current: RouteTable = new Map();
  private listener: TableListener | null = null;
  /** Apps changed by NATS since the snapshot being read was requested. */
  private updatedDuringResync: Set<string> | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly options: RouteSyncOptions) {}

  get table(): RouteTable {
    return this.current;
  }

  /** Receives every new table (set once the data plane is up). */
  onChange(listener: TableListener): void {
    this.listener = listener;
  }

  /** One NATS message: an app's complete new route. */
  applyMessage(message: unknown, receivedAt = Date.now()): void {
    const { route, problems } = normalizeRoute(message, this.options.appsDomain);
    const appName = route?.appName ?? (message as { appName?: unknown } | null)?.appName;
    if (typeof appName !== 'string' || appName.length === 0) {
      this.options.logger.warn({ problems }, 'ignored a route message without an app name');
      return;
    }
    if (problems.length > 0) this.options.logger.warn({ app: appName, problems }, 'route has entries the router cannot use');
    this.options.metrics?.routeUpdates.inc({ source: 'nats' });
    this.updatedDuringResync?.add(appName);
    this.current = withRoute(this.current, appName, route);
    this.listener?.(this.current, { receivedAt, resync: false });
  }

  /** Re-reads the whole table from Redis; NATS updates that arrive meanwhile win. */
  async resync(): Promise<void> {
    const receivedAt = Date.now();
    this.updatedDuringResync = new Set();
    try {
      const snapshot = await this.options.readSnapshot();
      for (const problem of snapshot.problems) this.options.logger.warn({ problem }, 'route in Redis the router cannot use');
      this.current = mergeSnapshot(snapshot.table, this.current, this.updatedDuringResync);
      this.options.metrics?.resyncs.inc({ result: 'ok' });
      this.options.metrics?.routeUpdates.inc({ source: 'resync' });
      this.listener?.(this.current, { receivedAt, resync: true });
    } catch (err) {
      this.options.metrics?.resyncs.inc({ result: 'failed' });
      this.options.logger.warn({ err: describeError(err) }, 'route resync failed; keeping the current table');
    } finally {
      this.updatedDuringResync = null;
    }
  }

  startPeriodicResync(intervalMs: number): void {
    this.timer = setInterval(() => void this.resync(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
