// Dyno time, as it happens: a billed stretch begins when an instance becomes billable
// (records.ts) and ends when it stops, crashes or is removed; a stretch still running is
// closed and a new one begun at each flush, so usage shows while dynos run; a control plane that
// dies loses nothing (the mark stays until a record is written for it). The marks live in Redis
// beside the instances (ledger.ts's open stretches).
import type { Redis } from 'ioredis';
import type { Instance } from '../../common/types.js';
import { keys } from '../store/keys.js';
import type { OpenStretches, UsageLedger } from './ledger.js';
import { billable, usageRecord, type UsageRecord } from './records.js';

export interface DynoMeterDeps {
  redis: Redis;
  ledger: Pick<UsageLedger, 'stretches'>;
  /** the account an app's use is counted against (its owner or team), null: the app is gone */
  accountOf(appId: string): Promise<string | null>;
  now?: () => number;
  /** where a failure to meter is told (metering never fails the change it observes) */
  warn(message: string, context: Record<string, unknown>): void;
}

export class DynoMeter {
  private readonly stretches: OpenStretches;

  constructor(private readonly deps: DynoMeterDeps) {
    this.stretches = deps.ledger.stretches(keys.usageDynoMarks);
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /** The instances whose stretch is open (what the periodic flush goes over). */
  openIds(): Promise<string[]> {
    return this.stretches.ids();
  }

  /** An instance record was saved (created or changed). */
  async saved(instance: Instance): Promise<void> {
    await this.guard(instance, async () => {
      if (billable(instance.state)) await this.stretches.open(instance.id, this.now());
      else await this.close(instance, false);
    });
  }

  /** An instance record was removed. */
  async removed(instance: Instance): Promise<void> {
    await this.guard(instance, () => this.close(instance, false));
  }

  /** Writes the open stretch up to now and begins the next (the periodic flush), given the
   *  current record under its lock (InstanceStore.withRecord). */
  async flush(instance: Instance | null): Promise<void> {
    if (instance && billable(instance.state)) await this.guard(instance, () => this.close(instance, true));
  }

  /** Ends the instance's open stretch now; `reopen`: begins the next one now. */
  private async close(instance: Instance, reopen: boolean): Promise<void> {
    const end = this.now();
    await this.stretches.close(instance.id, end, reopen, async (start) => {
      const account = await this.deps.accountOf(instance.appId);
      return account ? this.record(instance, account, start, end) : null;
    });
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
