// Pure decisions about backups: their Heroku-style ids (b001, b002, ... per add-on), which ones
// a plan's retention lets go, where each is kept in the object store, and when a daily schedule
// next runs.

/** The n-th backup's id: b001 … b999, then b1000 (Heroku's form). */
export function backupId(n: number): string {
  if (!Number.isInteger(n) || n < 1) throw new Error(`no backup number ${n}`);
  return `b${String(n).padStart(3, '0')}`;
}

/** b001 → 1; anything else → null. */
export function backupNumber(id: string): number | null {
  const match = /^b(\d{3,})$/.exec(id);
  return match ? Number(match[1]) : null;
}

/** Where a backup's object is: under its add-on's id (stable across renames), with its salt so a
 *  number reused after the add-on is re-created never names an old object. */
export function backupObjectKey(addonId: string, id: string, salt: string): string {
  return `addons/${addonId}/${id}-${salt}.dump.enc`;
}

export interface RetainedBackup {
  id: string;
  status: 'pending' | 'running' | 'succeeded' | 'failed';
}

/** The succeeded backups beyond the newest `keep` (oldest first): the ones retention deletes.
 *  Pending, running and failed ones are not counted (a failed one holds no object). */
export function backupsBeyondRetention<T extends RetainedBackup>(backups: readonly T[], keep: number): T[] {
  const succeeded = backups.filter((b) => b.status === 'succeeded').sort((a, b) => (backupNumber(b.id) ?? 0) - (backupNumber(a.id) ?? 0));
  return succeeded.slice(Math.max(0, keep)).reverse();
}

export interface ScheduleTime {
  hour: number;
  minute: number;
}

/** Heroku's `--at '02:00 UTC'` (also `2:00`, `02:00 UTC`): the time of day, UTC only here. */
export function parseScheduleAt(at: string): ScheduleTime | { error: string } {
  const match = /^\s*(\d{1,2}):(\d{2})(?:\s+(\S+))?\s*$/.exec(at);
  if (!match) return { error: `Give the time as HH:MM UTC (e.g. '02:00 UTC'), not ${JSON.stringify(at)}.` };
  const [hour, minute, zone] = [Number(match[1]), Number(match[2]), match[3]];
  if (hour > 23 || minute > 59) return { error: `${at} is not a time of day.` };
  if (zone !== undefined && !/^(UTC|GMT|Z|Etc\/UTC)$/i.test(zone)) return { error: `Schedules run on UTC times: give '${match[1]}:${match[2]} UTC' (${zone} is not supported).` };
  return { hour, minute };
}

export function formatScheduleAt(time: ScheduleTime): string {
  return `${String(time.hour).padStart(2, '0')}:${String(time.minute).padStart(2, '0')} UTC`;
}

/** The first run at or after `after` (on that day, else the next). */
export function nextScheduledRun(time: ScheduleTime, after: Date): Date {
  const run = new Date(Date.UTC(after.getUTCFullYear(), after.getUTCMonth(), after.getUTCDate(), time.hour, time.minute));
  if (run.getTime() < after.getTime()) run.setUTCDate(run.getUTCDate() + 1);
  return run;
}

/** The day (YYYY-MM-DD, UTC) of the run due at `now`, or null when today's is not yet due or
 *  came before the schedule was made (`since`); a run is taken once per day, so a day's key
 *  claims it across control planes. */
export function dueRunDay(time: ScheduleTime, now: Date, since = new Date(0)): string | null {
  const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), time.hour, time.minute));
  return now.getTime() >= today.getTime() && today.getTime() >= since.getTime() ? today.toISOString().slice(0, 10) : null;
}

/** How long a capture may run on its host (the agent request's timeout) before it counts as abandoned. */
export const CAPTURE_TIMEOUT_MS = 6 * 3600_000;

/** Pure: whether a pending or running capture was abandoned (the control plane running it
 *  stopped): older than the capture timeout, with a minute's margin for the reply. */
export function isAbandoned(backup: { status: RetainedBackup['status']; createdAt: string; startedAt: string | null }, now: Date): boolean {
  if (backup.status !== 'pending' && backup.status !== 'running') return false;
  return now.getTime() - Date.parse(backup.startedAt ?? backup.createdAt) > CAPTURE_TIMEOUT_MS + 60_000;
}
