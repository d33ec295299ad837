// Alerts of an app, in Redis (a hash per app: id → alert), and the index the evaluator walks.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { keys } from '../store/keys.js';
import type { AlertRule, AlertState } from './rules.js';

export type AlertDestination = { kind: 'email'; to: string } | { kind: 'webhook'; url: string; secret: string };

export interface Alert extends AlertRule {
  id: string;
  appId: string;
  destination: AlertDestination;
  state: AlertState;
  /** when the state last changed (ISO 8601) */
  changedAt: string;
  createdAt: string;
}

export class AlertStore {
  constructor(private readonly redis: Redis) {}

  async create(appId: string, rule: AlertRule, destination: { kind: 'email'; to: string } | { kind: 'webhook'; url: string }): Promise<Alert> {
    const now = new Date().toISOString();
    // a webhook's signing secret is the platform's to make, shown once
    const full: AlertDestination = destination.kind === 'webhook' ? { ...destination, secret: `whsec_${randomBytes(24).toString('base64')}` } : destination;
    const alert: Alert = { ...rule, id: randomUUID(), appId, destination: full, state: 'ok', changedAt: now, createdAt: now };
    await this.redis.multi().hset(keys.appAlerts(appId), alert.id, JSON.stringify(alert)).sadd(keys.alertApps, appId).exec();
    return alert;
  }

  async list(appId: string): Promise<Alert[]> {
    return Object.values(await this.redis.hgetall(keys.appAlerts(appId)))
      .map((json) => JSON.parse(json) as Alert)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async remove(appId: string, id: string): Promise<Alert | null> {
    const json = await this.redis.hget(keys.appAlerts(appId), id);
    if (!json) return null;
    await this.redis.hdel(keys.appAlerts(appId), id);
    return JSON.parse(json) as Alert;
  }

  /** Saves a state change, unless the alert was removed meanwhile. */
  async setState(alert: Alert, state: AlertState, at: string): Promise<Alert | null> {
    if (!(await this.redis.hexists(keys.appAlerts(alert.appId), alert.id))) return null;
    const changed: Alert = { ...alert, state, changedAt: at };
    await this.redis.hset(keys.appAlerts(alert.appId), alert.id, JSON.stringify(changed));
    return changed;
  }

  /** Apps that have (or had) alerts. */
  appsWithAlerts(): Promise<string[]> {
    return this.redis.smembers(keys.alertApps);
  }

  async purge(appId: string): Promise<void> {
    await this.redis.multi().del(keys.appAlerts(appId)).srem(keys.alertApps, appId).exec();
  }
}
