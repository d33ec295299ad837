// Dyno time, as it happens: a billed stretch begins when an instance becomes billable
// (records.ts) and ends when it stops, crashes or is removed; a stretch still running is
// closed and a new one begun at each flush, so usage shows while dynos run and a control plane
// that dies loses at most the open stretch's end, never what was written. The marks live in
// Redis beside the instances.
import type { Redis } from 'ioredis';
import type { Instance } from '../../common/types.js';
import { keys } from '../store/keys.js';
import type { UsageLedger } from './ledger.js';
import { billable, usageRecord, type UsageRecord } from './records.js';

export interface DynoMeterDeps {
  redis: Redis;
  ledger: Pick<UsageLedger, 'append'>;
  /** the account an app's use is counted against (its owner or team), null: the app is gone */
  accountOf(appId: string): Promise<string | null>;
  now?: () => number;
  /** where a failure to meter is told (metering never fails the change it observes) */
  warn(message: string, context: Record<string, unknown>): void;
}

export class DynoMeter {
  constructor(private readonly deps: DynoMeterDeps) {}

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /** An instance record was saved (created or changed). */
  async saved(instance: Instance): Promise<void> {
    await this.guard(instance, async () => {
      if (billable(instance.state)) await this.deps.redis.hsetnx(keys.usageDynoMarks, instance.id, String(this.now()));
      else await this.close(instance, null);
    });
  }

  /** An instance record was removed. */
  async removed(instance: Instance): Promise<void> {
    await this.guard(instance, () => this.close(instance, null));
  }

  /** Writes the open stretch up to now and begins the next (the periodic flush), given the
   *  current record under its lock (InstanceStore.withRecord). */
  async flush(instance: Instance | null): Promise<void> {
    if (instance && billable(instance.state)) await this.guard(instance, () => this.close(instance, this.now()));
  }

  /** Ends the instance's open stretch now; `reopenAt`: begins the next one then. */
  private async close(instance: Instance, reopenAt: number | null): Promise<void> {
    const mark = await this.deps.redis.hget(keys.usageDynoMarks, instance.id);
    if (mark === null) return;
    const start = Number(mark);
    const end = this.now();
    const account = await this.deps.accountOf(instance.appId);
    if (account) await this.deps.ledger.append(this.record(instance, account, start, end));
    if (reopenAt === null) await this.deps.redis.hdel(keys.usageDynoMarks, instance.id);
    else await this.deps.redis.hset(keys.usageDynoMarks, instance.id, String(reopenAt));
  }

  private record(instance: Instance, account: string, start: number, end: number): UsageRecord {
    return usageRecord(
      { key: `dyno:${instance.id}:${start}`, account, appId: instance.appId, appName: instance.appName, kind: 'dyno', processType: instance.type, size: instance.size },
      start,
      end,
    );
  }

  private async guard(instance: Instance, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      this.deps.warn('metering dyno time failed', { err, instance: instance.id });
    }
  }
}
