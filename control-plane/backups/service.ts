// Heroku's pg:backups, for PostgreSQL and Redis add-ons alike: captures (manual or scheduled),
// restores, downloads, deletes, schedules. The dump (pg_dump's, or Redis's RDB snapshot) is made,
// encrypted and uploaded by the agent holding the add-on (data locality: it never crosses the
// network in plaintext nor passes through here); the control plane holds the platform's key and
// the store's credentials and sends each request the one backup's derived key. Records move
// pending → running → succeeded | failed (with the error in words); retention per plan deletes the
// oldest succeeded backups' objects and records.
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { isBuiltinService, resolvePlan } from '../../common/addons.js';
import { backupKey, decryptingStream } from '../../common/backups/encryption.js';
import { BackupObjects } from '../../common/backups/object-store.js';
import { describeError, SlipwayError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { AddonBackupReply, AddonBackupRequest, BackupStorage, Reply } from '../../common/protocol.js';
import type { AddonRecord } from '../store/addons.js';
import { backupObjectKey, backupsBeyondRetention, dueRunDay, isAbandoned, parseScheduleAt } from './plan.js';
import type { BackupRecord, BackupSchedule, BackupStore } from './store.js';

/** How the control plane reaches the agent holding an add-on (agents/client.ts). */
export interface BackupAgents {
  addonBackup(hostId: string, request: AddonBackupRequest): Promise<AddonBackupReply>;
  addonRestore(hostId: string, request: AddonBackupRequest): Promise<Reply>;
}

export interface BackupsDeps {
  store: BackupStore;
  agents: BackupAgents;
  /** null: no store is configured, backups are not offered */
  storage: BackupStorage | null;
  /** the platform's 32-byte key */
  key: Buffer;
  logger: Logger;
  /** the add-on by id, as it is now (its credentials may have been rotated) */
  addonById(id: string): Promise<AddonRecord | null>;
}

export class Backups {
  /** captures in progress here, by `addonId/id` (tests and shutdown wait on them) */
  private readonly running = new Map<string, Promise<BackupRecord>>();

  constructor(private readonly deps: BackupsDeps) {}

  /** `pg:backups:capture`: the record (pending) at once; the capture goes on in the background. */
  async capture(addon: AddonRecord, trigger: BackupRecord['trigger'] = 'manual'): Promise<BackupRecord> {
    this.offered(addon);
    const id = await this.deps.store.nextId(addon.id);
    const salt = randomBytes(12).toString('base64url');
    const record: BackupRecord = {
      id,
      addonId: addon.id,
      addonName: addon.name,
      status: 'pending',
      error: null,
      bytes: null,
      objectKey: backupObjectKey(addon.id, id, salt),
      salt,
      trigger,
      createdAt: new Date().toISOString(),
      startedAt: null,
      finishedAt: null,
    };
    await this.deps.store.save(record);
    const run = this.run(addon, record).finally(() => this.running.delete(`${addon.id}/${id}`));
    this.running.set(`${addon.id}/${id}`, run);
    return record;
  }

  /** The capture's end, if it runs here. */
  finished(addonId: string, id: string): Promise<BackupRecord> | undefined {
    return this.running.get(`${addonId}/${id}`);
  }

  async list(addon: AddonRecord): Promise<BackupRecord[]> {
    return Promise.all((await this.deps.store.list(addon.id)).map((record) => this.settled(record)));
  }

  async get(addon: AddonRecord, id: string): Promise<BackupRecord> {
    const record = await this.deps.store.get(addon.id, id);
    if (!record) throw new SlipwayError('not_found', `Couldn't find backup ${id} of ${addon.name}.`, { status: 404 });
    return this.settled(record);
  }

  /** A capture whose control plane stopped while it ran is recorded failed when next read
   *  (its agent's request has timed out by then; lib-storage aborted or never finished its upload). */
  private async settled(record: BackupRecord): Promise<BackupRecord> {
    if (this.running.has(`${record.addonId}/${record.id}`) || !isAbandoned(record, new Date())) return record;
    const failed: BackupRecord = { ...record, status: 'failed', error: 'the control plane running this capture stopped before it finished', finishedAt: new Date().toISOString() };
    await this.deps.store.save(failed);
    return failed;
  }

  /** The newest succeeded backup (Heroku's default for download and restore). */
  async latest(addon: AddonRecord): Promise<BackupRecord> {
    const found = (await this.deps.store.list(addon.id)).filter((b) => b.status === 'succeeded').at(-1);
    if (!found) throw new SlipwayError('not_found', `${addon.name} has no succeeded backup.`, { status: 404 });
    return found;
  }

  /** `pg:backups:download`: the dump, decrypted as it streams from the store. */
  async download(addon: AddonRecord, id: string): Promise<Readable> {
    const record = await this.succeeded(addon, id);
    const objects = new BackupObjects(this.storage());
    const stored = await objects.download(record.objectKey).catch((err: unknown) => {
      objects.close();
      throw new SlipwayError('backup_store_unavailable', `The backup store did not give ${record.id}: ${describeError(err)}`, { status: 503, expose: true });
    });
    const plain = decryptingStream(backupKey(this.deps.key, record.salt));
    stored.on('error', (err) => plain.destroy(err));
    plain.on('close', () => objects.close());
    return stored.pipe(plain);
  }

  /** `pg:backups:restore`: the backup into the add-on's database (objects dropped and made anew),
   *  in one transaction; the add-on keeps serving. A Redis add-on's whole dataset is replaced,
   *  its server restarted with the snapshot. */
  async restore(addon: AddonRecord, id: string): Promise<BackupRecord> {
    this.offered(addon);
    const record = await this.succeeded(addon, id);
    const reply = await this.deps.agents.addonRestore(addon.hostId, this.request(addon, record));
    if (!reply.ok) throw new SlipwayError('backup_restore_failed', `Could not restore ${record.id} into ${addon.name}: ${reply.error ?? 'no reason given'}`, { status: 503, expose: true });
    this.deps.logger.info({ addon: addon.name, backup: record.id }, 'backup restored');
    return record;
  }

  /** `pg:backups:delete`: its object, then its record. */
  async delete(addon: AddonRecord, id: string): Promise<BackupRecord> {
    const record = await this.get(addon, id);
    if (record.status === 'pending' || record.status === 'running') throw new SlipwayError('conflict', `${record.id} is still ${record.status}: wait for it to finish.`, { status: 409 });
    if (record.status === 'succeeded') await this.removeObject(record);
    await this.deps.store.remove(addon.id, record.id);
    return record;
  }

  /** `pg:backups:schedule --at '02:00 UTC'` */
  async schedule(addon: AddonRecord, at: string): Promise<BackupSchedule> {
    this.offered(addon);
    const time = parseScheduleAt(at);
    if ('error' in time) throw new SlipwayError('invalid_params', time.error, { status: 422 });
    const schedule: BackupSchedule = { addonId: addon.id, ...time, createdAt: new Date().toISOString() };
    await this.deps.store.setSchedule(schedule);
    return schedule;
  }

  async unschedule(addon: AddonRecord): Promise<void> {
    if (!(await this.deps.store.removeSchedule(addon.id))) throw new SlipwayError('not_found', `${addon.name} has no backup schedule.`, { status: 404 });
  }

  async scheduleOf(addon: AddonRecord): Promise<BackupSchedule | null> {
    return (await this.deps.store.schedules()).find((s) => s.addonId === addon.id) ?? null;
  }

  /** One pass of the scheduler (control-plane/backups/scheduling.ts): each schedule's run of the
   *  day, once its time has come, claimed by one control plane. Returns the captures started. */
  async runDueSchedules(now = new Date()): Promise<BackupRecord[]> {
    const started: BackupRecord[] = [];
    for (const schedule of await this.deps.store.schedules()) {
      const day = dueRunDay(schedule, now, new Date(schedule.createdAt));
      if (!day) continue;
      if (!(await this.deps.store.claimScheduledRun(schedule.addonId, day))) continue;
      const addon = await this.deps.addonById(schedule.addonId);
      if (!addon) {
        await this.deps.store.removeSchedule(schedule.addonId);
        continue;
      }
      try {
        started.push(await this.capture(addon, 'scheduled'));
      } catch (err) {
        this.deps.logger.warn({ addon: addon.name, err: describeError(err) }, 'scheduled backup not started');
      }
    }
    return started;
  }

  /** When the add-on is destroyed: its backups' objects, records and schedule go. */
  async purge(addonId: string): Promise<void> {
    if (this.deps.storage) for (const record of await this.deps.store.list(addonId)) if (record.status === 'succeeded') await this.removeObject(record).catch(() => undefined);
    await this.deps.store.purge(addonId);
  }

  /** Waits for the captures running here (at shutdown). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }

  private async run(addon: AddonRecord, pending: BackupRecord): Promise<BackupRecord> {
    let record: BackupRecord = { ...pending, status: 'running', startedAt: new Date().toISOString() };
    try {
      await this.deps.store.save(record);
      const current = (await this.deps.addonById(addon.id)) ?? addon;
      const reply = await this.deps.agents.addonBackup(current.hostId, this.request(current, record));
      record = reply.ok
        ? { ...record, status: 'succeeded', bytes: reply.bytes ?? null, finishedAt: new Date().toISOString() }
        : { ...record, status: 'failed', error: reply.error ?? 'the agent gave no reason', finishedAt: new Date().toISOString() };
    } catch (err) {
      record = { ...record, status: 'failed', error: `the add-on's host did not answer: ${describeError(err)}`, finishedAt: new Date().toISOString() };
    }
    await this.deps.store.save(record);
    this.deps.logger.info({ addon: addon.name, backup: record.id, status: record.status, error: record.error ?? undefined }, 'backup finished');
    if (record.status === 'succeeded') await this.applyRetention(addon).catch((err: unknown) => this.deps.logger.warn({ addon: addon.name, err: describeError(err) }, 'backup retention failed'));
    return record;
  }

  private async applyRetention(addon: AddonRecord): Promise<void> {
    for (const old of backupsBeyondRetention(await this.deps.store.list(addon.id), retentionOf(addon))) {
      await this.removeObject(old);
      await this.deps.store.remove(addon.id, old.id);
      this.deps.logger.info({ addon: addon.name, backup: old.id }, 'backup expired (plan retention)');
    }
  }

  private async removeObject(record: BackupRecord): Promise<void> {
    const objects = new BackupObjects(this.storage());
    try {
      await objects.remove(record.objectKey);
    } finally {
      objects.close();
    }
  }

  private request(addon: AddonRecord, record: BackupRecord): AddonBackupRequest {
    const { user, password, database } = addon.credentials;
    return { addonId: addon.id, user, password, database, storage: this.storage(), objectKey: record.objectKey, key: backupKey(this.deps.key, record.salt).toString('base64') };
  }

  private async succeeded(addon: AddonRecord, id: string): Promise<BackupRecord> {
    const record = id === 'latest' ? await this.latest(addon) : await this.get(addon, id);
    if (record.status !== 'succeeded') throw new SlipwayError('invalid_params', `${record.id} is ${record.status}: only a succeeded backup can be used.`, { status: 422 });
    return record;
  }

  private storage(): BackupStorage {
    if (!this.deps.storage) throw new SlipwayError('backups_unavailable', 'This platform keeps no backups: its operator has not configured a backup store.', { status: 422, expose: true });
    return this.deps.storage;
  }

  private offered(addon: AddonRecord): void {
    this.storage();
    if (addon.partner || !isBuiltinService(addon.service)) throw new SlipwayError('invalid_params', `${addon.name} runs at its partner: Slipway keeps no backups of it.`, { status: 422 });
    if (retentionOf(addon) < 1) throw new SlipwayError('invalid_params', `${addon.plan} keeps no backups.`, { status: 422 });
  }
}

function retentionOf(addon: AddonRecord): number {
  const resolved = resolvePlan(addon.plan);
  return 'error' in resolved ? 0 : resolved.plan.backupRetention;
}
