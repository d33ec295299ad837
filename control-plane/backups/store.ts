// Backups' records and schedules in Redis: one hash per add-on (b001 → record), a counter for
// the next number, one hash of schedules, and one key per scheduled run that claims it.
import type { Redis } from 'ioredis';
import { keys } from '../store/keys.js';
import { backupId, backupNumber, type ScheduleTime } from './plan.js';

export type BackupStatus = 'pending' | 'running' | 'succeeded' | 'failed';

export interface BackupRecord {
  id: string;
  addonId: string;
  /** the add-on's name when it was taken */
  addonName: string;
  status: BackupStatus;
  /** why it failed, in words (null unless failed) */
  error: string | null;
  /** the stored (encrypted) object's size */
  bytes: number | null;
  objectKey: string;
  /** the backup's own key is derived from the platform's with this (random, per backup) */
  salt: string;
  trigger: 'manual' | 'scheduled';
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface BackupSchedule extends ScheduleTime {
  addonId: string;
  createdAt: string;
}

export class BackupStore {
  constructor(private readonly redis: Redis) {}

  /** The add-on's next backup id (b001 first). */
  async nextId(addonId: string): Promise<string> {
    return backupId(await this.redis.incr(keys.addonBackupSeq(addonId)));
  }

  async save(record: BackupRecord): Promise<void> {
    await this.redis.hset(keys.addonBackups(record.addonId), record.id, JSON.stringify(record));
  }

  async get(addonId: string, id: string): Promise<BackupRecord | null> {
    const raw = await this.redis.hget(keys.addonBackups(addonId), id);
    return raw ? (JSON.parse(raw) as BackupRecord) : null;
  }

  /** Oldest first. */
  async list(addonId: string): Promise<BackupRecord[]> {
    const all = Object.values(await this.redis.hgetall(keys.addonBackups(addonId))).map((raw) => JSON.parse(raw) as BackupRecord);
    return all.sort((a, b) => (backupNumber(a.id) ?? 0) - (backupNumber(b.id) ?? 0));
  }

  async remove(addonId: string, id: string): Promise<void> {
    await this.redis.hdel(keys.addonBackups(addonId), id);
  }

  /** The add-on's records and counter, when it is destroyed. */
  async purge(addonId: string): Promise<void> {
    await this.redis.del(keys.addonBackups(addonId), keys.addonBackupSeq(addonId));
    await this.redis.hdel(keys.backupSchedules, addonId);
  }

  async setSchedule(schedule: BackupSchedule): Promise<void> {
    await this.redis.hset(keys.backupSchedules, schedule.addonId, JSON.stringify(schedule));
  }

  /** false: there was none */
  async removeSchedule(addonId: string): Promise<boolean> {
    return (await this.redis.hdel(keys.backupSchedules, addonId)) === 1;
  }

  async schedules(): Promise<BackupSchedule[]> {
    return Object.values(await this.redis.hgetall(keys.backupSchedules)).map((raw) => JSON.parse(raw) as BackupSchedule);
  }

  /** Claims the add-on's run of `day` for this control plane; false: another took it. */
  async claimScheduledRun(addonId: string, day: string): Promise<boolean> {
    return (await this.redis.set(keys.backupScheduleRun(addonId, day), '1', 'EX', 3 * 24 * 3600, 'NX')) === 'OK';
  }
}
