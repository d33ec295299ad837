// Metered usage, once for the platform: dyno time (DynoMeter), one-off dyno time, build time,
// written to the ledger as it happens; the periodic flush of running dynos; reading it back.
import type { Redis } from 'ioredis';
import type { RouterTraffic } from '../../common/protocol.js';
import type { App } from '../../common/types.js';
import { accountKey } from '../plans/assignments.js';
import { accountOfApp } from '../plans/gate.js';
import type { AppStore } from '../store/apps.js';
import type { InstanceStore } from '../store/instances.js';
import type { OneOffRecord } from '../store/one-offs.js';
import { DynoMeter } from './dyno-meter.js';
import { AddonMeter } from './addon-meter.js';
import type { AddonStore } from '../store/addons.js';
import { UsageLedger } from './ledger.js';
import { usageRecord, type UsageRecord } from './records.js';

export interface UsageDeps {
  redis: Redis;
  apps: Pick<AppStore, 'get'>;
  instances: InstanceStore;
  /** the add-ons' records (none: add-ons are not metered here) */
  addons?: Pick<AddonStore, 'get'>;
  warn(message: string, context: Record<string, unknown>): void;
  now?: () => number;
}

export class Usage {
  readonly ledger: UsageLedger;
  readonly dynos: DynoMeter;
  readonly addons: AddonMeter;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: UsageDeps) {
    this.ledger = new UsageLedger(deps.redis);
    this.dynos = new DynoMeter({ redis: deps.redis, ledger: this.ledger, accountOf: (appId) => this.accountOf(appId), now: deps.now, warn: deps.warn });
    deps.instances.observe(this.dynos);
    this.addons = new AddonMeter({
      ledger: this.ledger,
      ownerOf: async (appId) => {
        const app = await deps.apps.get(appId);
        return app ? { appName: app.name, account: accountKey(accountOfApp(app)) } : null;
      },
      addon: async (id) => (await deps.addons?.get(id)) ?? null,
      now: deps.now,
      warn: deps.warn,
    });
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  private async accountOf(appId: string): Promise<string | null> {
    const app = await this.deps.apps.get(appId);
    return app ? accountKey(accountOfApp(app)) : null;
  }

  /** A one-off dyno ended: its time from start to now. */
  async oneOffEnded(record: OneOffRecord): Promise<void> {
    const app = await this.deps.apps.get(record.appId);
    if (!app) return;
    const fields = { key: `one-off:${record.runId}`, account: accountKey(accountOfApp(app)), appId: app.id, appName: app.name, kind: 'one-off' as const, processType: 'run', size: record.size };
    await this.ledger.append(usageRecord(fields, Date.parse(record.createdAt), this.now()));
  }

  /** A build ran from `startedMs` to `endedMs` (failed or not). */
  async build(app: App, buildId: string, startedMs: number, endedMs: number): Promise<void> {
    await this.ledger.append(usageRecord({ key: `build:${buildId}`, account: accountKey(accountOfApp(app)), appId: app.id, appName: app.name, kind: 'build', processType: 'build', size: null }, startedMs, endedMs));
  }

  /** A router's window of traffic: per app, the requests it answered and the bytes it sent.
   *  Keyed by router and window, so a window sent again (its acknowledgement lost) counts once. */
  async routerWindow(traffic: RouterTraffic): Promise<void> {
    const router = traffic.routerId ?? 'router';
    for (const window of traffic.apps) {
      const app = await this.deps.apps.get(window.appId);
      if (!app) continue;
      await this.ledger.append({
        key: `router:${router}:${traffic.windowStart}:${app.id}`,
        account: accountKey(accountOfApp(app)),
        appId: app.id,
        appName: app.name,
        kind: 'router',
        processType: 'router',
        size: null,
        start: traffic.windowStart,
        end: traffic.windowEnd,
        seconds: 0,
        requests: window.requests,
        bytes: window.bytes,
      });
    }
  }

  /** Writes the running dynos' time so far, each under its record's lock. */
  async flush(): Promise<void> {
    for (const id of await this.dynos.openIds()) await this.deps.instances.withRecord(id, (instance) => this.dynos.flush(instance));
    await this.addons.flush();
  }

  /** Flushes every `intervalMs` until stopped. */
  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      this.flush().catch((err: unknown) => this.deps.warn('flushing dyno usage failed', { err }));
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  read(filter: { account?: string; appId?: string }, fromMs: number, toMs: number): Promise<UsageRecord[]> {
    return this.ledger.read(filter, fromMs, toMs);
  }
}
