// Free-tier sleep and wake (Heroku's free dynos): an app of a plan with `sleep_after_idle_minutes`
// that went that long without a request is put to sleep (its route leads to the waker, then its
// dynos stop; its formation is kept), and woken by the next request (waker.ts).
// The check runs on one control plane at a time (a Redis lease per pass).
import type { Redis } from 'ioredis';
import { describeError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { App } from '../../common/types.js';
import type { AppLogger } from '../app-logs.js';
import type { Converger } from '../converger.js';
import type { RouterTrafficStore } from '../metrics/router-traffic.js';
import type { PlanGate } from '../plans/gate.js';
import { LeasedPass } from '../leased-pass.js';
import type { AppStore } from '../store/apps.js';
import type { InstanceStore } from '../store/instances.js';
import { sleepDue } from './idle.js';

export interface AppSleepDeps {
  apps: AppStore;
  instances: InstanceStore;
  plans: Pick<PlanGate, 'sleepAfterIdleMs'>;
  traffic: Pick<RouterTrafficStore, 'lastRequestWindowEnd'>;
  converger: Converger;
  redis: Redis;
  appLog: AppLogger;
  logger: Logger;
  now?: () => number;
}

export class AppSleep {
  /** The periodic passes (start, stop, one now): each check of every app, unless one runs here or on another control plane. */
  readonly passes: LeasedPass;
  private readonly waking = new Map<string, Promise<App>>();

  constructor(private readonly deps: AppSleepDeps) {
    this.passes = new LeasedPass(
      deps.redis,
      'slipway:sleep:pass',
      60_000,
      async () => {
        for (const app of await this.deps.apps.list()) if (await this.idle(app)) await this.putToSleep(app);
      },
      (err) => this.deps.logger.warn({ err: describeError(err) }, 'the sleep check failed'),
    );
  }

  /** Route to the waker first, so no request meets a stopping dyno; then the dynos stop. */
  async putToSleep(app: App): Promise<App> {
    const asleep = (await this.deps.apps.setSleeping(app.id, new Date(this.now()).toISOString())) ?? app;
    this.deps.appLog(app, 'web', 'Idling');
    await this.deps.converger.publishRoute(asleep);
    await this.deps.converger.convergeApp(app.id);
    this.deps.logger.info({ app: app.name }, 'app put to sleep');
    return asleep;
  }

  /** Awake again (its dynos start); concurrent wakes of one app are one. */
  wake(app: App): Promise<App> {
    if (!app.sleepingSince) return Promise.resolve(app);
    let waking = this.waking.get(app.id);
    if (!waking) {
      waking = (async () => {
        await this.deps.apps.setWaking(app.id, true);
        const awake = (await this.deps.apps.setSleeping(app.id, null)) ?? app;
        this.deps.appLog(app, 'web', 'Unidling');
        await this.deps.converger.convergeApp(app.id);
        this.deps.logger.info({ app: app.name }, 'app woken');
        return awake;
      })().finally(() => this.waking.delete(app.id));
      this.waking.set(app.id, waking);
    }
    return waking;
  }

  private async idle(app: App): Promise<boolean> {
    if (app.sleepingSince) return false;
    const sleepAfterMs = await this.deps.plans.sleepAfterIdleMs(app);
    if (sleepAfterMs === null) return false;
    const web = (await this.deps.instances.listForApp(app.id)).filter((i) => i.type === 'web' && (i.state === 'up' || i.state === 'starting'));
    return sleepDue({
      sleepAfterMs,
      lastRequestMs: await this.deps.traffic.lastRequestWindowEnd(app.id),
      webStartedMs: web.map((i) => Date.parse(i.createdAt)),
      maintenance: app.maintenance ?? false,
      asleep: false,
      now: this.now(),
    });
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }
}
