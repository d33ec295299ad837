// Add-on time, by plan: a stretch from when an add-on is provisioned until it is destroyed,
// closed and reopened at each flush, counted against the account of the app that owns it.
import type { AddonRecord } from '../store/addons.js';
import type { OpenStretches, UsageLedger } from './ledger.js';
import { usageRecord, type UsageRecord } from './records.js';
import { keys } from '../store/keys.js';

export interface AddonMeterDeps {
  ledger: Pick<UsageLedger, 'stretches'>;
  /** the owning app's name and account, null: the app is gone */
  ownerOf(appId: string): Promise<{ appName: string; account: string } | null>;
  /** the add-on's current record, null: it is gone */
  addon(id: string): Promise<AddonRecord | null>;
  now?: () => number;
  warn(message: string, context: Record<string, unknown>): void;
}

export class AddonMeter {
  private readonly stretches: OpenStretches;

  constructor(private readonly deps: AddonMeterDeps) {
    this.stretches = deps.ledger.stretches(keys.usageAddonMarks);
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /** The add-on's server answers: its time starts. */
  async provisioned(addon: AddonRecord): Promise<void> {
    await this.guard(addon.id, () => this.stretches.open(addon.id, this.now()));
  }

  /** The add-on is gone: its time up to now is written. */
  async destroyed(addon: AddonRecord): Promise<void> {
    await this.guard(addon.id, () => this.close(addon, false));
  }

  /** Writes every add-on's time so far and begins the next stretch (the periodic flush). */
  async flush(): Promise<void> {
    for (const id of await this.stretches.ids()) {
      const addon = await this.deps.addon(id);
      await this.guard(id, () => (addon ? this.close(addon, true) : this.stretches.close(id, this.now(), false, async () => null)));
    }
  }

  private async close(addon: AddonRecord, reopen: boolean): Promise<void> {
    const end = this.now();
    await this.stretches.close(addon.id, end, reopen, async (start) => {
      const owner = await this.deps.ownerOf(addon.appId);
      return owner ? this.record(addon, owner, start, end) : null;
    });
  }

  private record(addon: AddonRecord, owner: { appName: string; account: string }, start: number, end: number): UsageRecord {
    return usageRecord({ key: `addon:${addon.id}:${start}`, account: owner.account, appId: addon.appId, appName: owner.appName, kind: 'addon', processType: addon.plan, size: null }, start, end);
  }

  private async guard(id: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      this.deps.warn('metering add-on time failed', { err, addon: id });
    }
  }
}
