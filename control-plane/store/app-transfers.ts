// Heroku's app transfers between users: the owner offers the app to a recipient, who accepts
// or declines; the owner may cancel. One pending transfer per app, dropped with the app.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { keys } from './keys.js';
import { now } from './json.js';

export interface AppTransfer {
  id: string;
  appId: string;
  ownerId: string;
  recipientId: string;
  createdAt: string;
}

export class AppTransferStore {
  constructor(private readonly redis: Redis) {}

  /** Offers the app to `recipientId`, replacing an earlier offer of it. */
  async offer(appId: string, ownerId: string, recipientId: string): Promise<AppTransfer> {
    const transfer: AppTransfer = { id: `${appId}.${randomUUID()}`, appId, ownerId, recipientId, createdAt: now() };
    await this.redis.set(keys.appTransfer(appId), JSON.stringify(transfer));
    return transfer;
  }

  /** The pending transfer with this id (`<app id>.<uuid>`), or null. */
  async get(id: string): Promise<AppTransfer | null> {
    const appId = id.split('.')[0] ?? '';
    const raw = appId ? await this.redis.get(keys.appTransfer(appId)) : null;
    const transfer = raw ? (JSON.parse(raw) as AppTransfer) : null;
    return transfer?.id === id ? transfer : null;
  }

  /** Ends a pending transfer; false when it was no longer pending (taken by another call). */
  async end(transfer: AppTransfer): Promise<boolean> {
    const script = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
    return (await this.redis.eval(script, 1, keys.appTransfer(transfer.appId), JSON.stringify(transfer))) === 1;
  }

  /** Drops the app's pending transfer, if any (the app went to a team meanwhile). */
  async drop(appId: string): Promise<void> {
    await this.redis.del(keys.appTransfer(appId));
  }

  /** The pending transfers of these apps. */
  async forApps(appIds: readonly string[]): Promise<AppTransfer[]> {
    if (appIds.length === 0) return [];
    const raws = await this.redis.mget(...appIds.map((id) => keys.appTransfer(id)));
    return raws.filter((raw): raw is string => raw !== null).map((raw) => JSON.parse(raw) as AppTransfer);
  }
}
