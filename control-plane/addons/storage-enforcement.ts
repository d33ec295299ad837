// A PostgreSQL add-on's plan storage, enforced (Heroku's "Over Plan Capacity: Access Restricted"):
// a pass (one control plane at a time, platform.ts) measures each database, decides (storage-limit.ts)
// and has its host's agent revoke or restore write access (agent/addon-storage-spec.ts). The
// database is brought to what was decided on every pass, either way, so it converges even when a
// record and its server disagreed (a table made since a revocation gets its trigger too). A change
// is kept on the add-on's record (`storage`, shown by pg:info and addons:info) and written to each
// attached app's log as a platform event.
import { describeError } from '../../common/errors.js';
import type { AddonService } from '../../common/addons.js';
import type { Logger } from '../../common/logger.js';
import type { App, Host } from '../../common/types.js';
import type { AppLogger } from '../app-logs.js';
import type { AddonAgents, AddonWriteAccessAgents } from '../agents/client.js';
import { addonAvailability } from '../hosts/addon-holdings.js';
import type { AddonRecord, AddonStore } from '../store/addons.js';
import { restoreBelowMb, storageDecision, storageEvent } from './storage-limit.js';

export interface StorageEnforcementDeps {
  store: Pick<AddonStore, 'all' | 'get' | 'setStorage' | 'attachmentsOf'>;
  hosts: { get(id: string): Promise<Pick<Host, 'state'> | null> };
  agents: Pick<AddonAgents, 'addonInfo'> & AddonWriteAccessAgents;
  apps: (id: string) => Promise<App | null>;
  appLog: AppLogger;
  catalogue: readonly AddonService[];
  logger: Logger;
}

/** The process name of the events in the apps' logs (Heroku's `app[heroku-postgres]`). */
export const STORAGE_EVENT_PROCESS = 'heroku-postgres';

export class StorageEnforcement {
  /** add-ons already reported as unenforceable by this process (said once, not every pass) */
  private readonly unenforceable = new Set<string>();

  constructor(private readonly deps: StorageEnforcementDeps) {}

  /** Every PostgreSQL add-on whose host is up; one failing is logged and the others go on. */
  async pass(): Promise<void> {
    for (const addon of await this.deps.store.all()) {
      if (addon.service !== 'postgresql' || addon.partner || addon.port === null) continue;
      if (!addonAvailability(addon.hostId, await this.deps.hosts.get(addon.hostId)).available) continue;
      await this.check(addon.id).catch((err: unknown) => this.deps.logger.warn({ addon: addon.name, err: describeError(err) }, 'checking an add-on’s storage failed'));
    }
  }

  /** One add-on now (also after a plan change, so an upgrade that makes room gives writes back at
   *  once): measured, decided, applied; the record as it is after. */
  async check(addonId: string): Promise<AddonRecord | null> {
    const addon = await this.deps.store.get(addonId);
    if (!addon || addon.service !== 'postgresql' || addon.port === null) return addon;
    const plan = this.deps.catalogue.find((s) => s.name === addon.service)?.plans.find((p) => p.name === addon.plan);
    if (!plan) return addon;
    const { user, password, database } = addon.credentials;
    const measured = await this.deps.agents.addonInfo(addon.hostId, { addonId: addon.id, user, password, database });
    if (!measured.ok || !measured.info) throw new Error(`${addon.name} did not answer: ${measured.error ?? 'no reason given'}`);
    const usedBytes = measured.info.bytes;
    const current = addon.storage?.writeAccess ?? 'granted';
    const decided = storageDecision(current, usedBytes, plan.storageMb);
    const applied = await this.deps.agents.setAddonWriteAccess(addon.hostId, {
      addonId: addon.id,
      database,
      revoke: decided === 'revoked',
      plan: plan.name,
      limitMb: plan.storageMb,
      restoreBelowMb: restoreBelowMb(plan.storageMb),
    });
    if (!applied.ok) {
      if (applied.unenforceable) {
        if (!this.unenforceable.has(addon.id)) this.deps.logger.warn({ addon: addon.name, err: applied.error }, 'add-on storage limit not enforced');
        this.unenforceable.add(addon.id);
        return addon;
      }
      throw new Error(`${addon.name}: ${applied.error ?? 'no reason given'}`);
    }
    if (decided === current) return addon;
    const saved = await this.deps.store.setStorage(addon.id, { writeAccess: decided, changedAt: new Date().toISOString(), usedBytes, limitMb: plan.storageMb });
    const event = storageEvent(decided, addon, usedBytes, plan.storageMb);
    for (const attachment of await this.deps.store.attachmentsOf(addon.id)) {
      const app = await this.deps.apps(attachment.appId);
      if (app) this.deps.appLog(app, STORAGE_EVENT_PROCESS, event);
    }
    this.deps.logger.info({ addon: addon.name, plan: plan.name, usedBytes, limitMb: plan.storageMb, writeAccess: decided }, decided === 'revoked' ? 'add-on over its plan’s storage: write access revoked' : 'add-on within its plan’s storage: write access restored');
    return saved;
  }
}
