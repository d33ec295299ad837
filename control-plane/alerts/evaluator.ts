// Evaluates every app's alerts against its router windows and tells each change, once, by email
// or signed webhook through the delivery queue. One control plane evaluates at a time (a short
// lock in Redis); an event's id names the alert and the change, so a retry is one event.
import type { Redis } from 'ioredis';
import type { Logger } from '../../common/logger.js';
import type { DeliveryQueue } from '../delivery/queue.js';
import type { RouterTrafficStore } from '../metrics/router-traffic.js';
import type { AppStore } from '../store/apps.js';
import { keys } from '../store/keys.js';
import { describeRule, describeValue, nextState, observed } from './rules.js';
import type { Alert, AlertStore } from './store.js';

export interface AlertEvaluatorDeps {
  redis: Redis;
  alerts: AlertStore;
  traffic: Pick<RouterTrafficStore, 'since'>;
  apps: Pick<AppStore, 'get'>;
  deliveries: Pick<DeliveryQueue, 'enqueue'>;
  logger: Logger;
  now?: () => number;
}

export class AlertEvaluator {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: AlertEvaluatorDeps) {}

  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.evaluateIfFirst(intervalMs), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async evaluateIfFirst(intervalMs: number): Promise<void> {
    try {
      const first = await this.deps.redis.set(keys.alertEvaluationLock, '1', 'PX', Math.max(1000, intervalMs - 100), 'NX');
      if (first === 'OK') await this.evaluate();
    } catch (err) {
      this.deps.logger.warn({ err }, 'evaluating alerts failed');
    }
  }

  /** One pass over every alert; returns the alerts whose state changed. */
  async evaluate(): Promise<Alert[]> {
    const now = (this.deps.now ?? Date.now)();
    const changed: Alert[] = [];
    for (const appId of await this.deps.alerts.appsWithAlerts()) {
      const app = await this.deps.apps.get(appId);
      if (!app) {
        await this.deps.alerts.purge(appId);
        continue;
      }
      for (const alert of await this.deps.alerts.list(appId)) {
        const windows = await this.deps.traffic.since(appId, now - alert.minutes * 60_000);
        const value = observed(alert, windows);
        const state = nextState(alert, value, alert.state);
        if (state === alert.state) continue;
        const saved = await this.deps.alerts.setState(alert, state, new Date(now).toISOString());
        if (!saved) continue;
        changed.push(saved);
        await this.tell(saved, app.name, value);
      }
    }
    return changed;
  }

  private async tell(alert: Alert, appName: string, value: number | null): Promise<void> {
    const type = alert.state === 'firing' ? 'alert.triggered' : 'alert.resolved';
    const headline = `${appName}: ${describeRule(alert)} ${alert.state === 'firing' ? 'is firing' : 'has resolved'} (now ${describeValue(alert, value)})`;
    const id = `alert:${alert.id}:${alert.changedAt}`;
    if (alert.destination.kind === 'email') {
      await this.deps.deliveries.enqueue({ kind: 'email', to: alert.destination.to }, { id, type, payload: { subject: headline, text: `${headline}.\n\nSince ${alert.changedAt}.` } });
    } else {
      await this.deps.deliveries.enqueue(
        { kind: 'webhook', url: alert.destination.url, secret: alert.destination.secret, userChosen: true },
        { id, type, payload: { app: appName, alert_id: alert.id, metric: alert.metric, threshold: alert.threshold, minutes: alert.minutes, state: alert.state, value, at: alert.changedAt } },
      );
    }
  }
}
