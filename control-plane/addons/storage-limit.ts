// Pure: whether a PostgreSQL add-on keeps write access, from its database's size and its plan's
// storage (Heroku's "Over Plan Capacity: Access Restricted"). Revoked once over the limit; given
// back once under RESTORE_FRACTION of it, so a database at the edge does not flip at each check.
// The size is the database's own (pg_database_size: tables, indexes, TOAST), what the user's
// DELETE, TRUNCATE and DROP reduce; not the volume's, whose WAL and template databases the user
// neither controls nor can shrink (docs/decisions.md).

export type WriteAccess = 'granted' | 'revoked';

/** Below this share of the limit, a revoked database gets its writes back. */
export const RESTORE_FRACTION = 0.9;

const MIB = 1024 * 1024;

/** The size under which write access comes back, in whole MB (what the user is told). */
export function restoreBelowMb(limitMb: number): number {
  return Math.floor(limitMb * RESTORE_FRACTION);
}

export function storageDecision(current: WriteAccess, usedBytes: number, limitMb: number): WriteAccess {
  if (usedBytes > limitMb * MIB) return 'revoked';
  if (current === 'revoked' && usedBytes >= restoreBelowMb(limitMb) * MIB) return 'revoked';
  return 'granted';
}

const mb = (bytes: number) => (bytes / MIB).toFixed(1);

/** The platform event written to each attached app's log, in Heroku's words. */
export function storageEvent(access: WriteAccess, addon: { name: string; plan: string }, usedBytes: number, limitMb: number): string {
  if (access === 'revoked') {
    return `${addon.name} is over its plan capacity: it holds ${mb(usedBytes)} MB, ${addon.plan} holds ${limitMb} MB. Write access revoked (INSERT, UPDATE and CREATE refused; reads, DELETE and TRUNCATE work) until it holds under ${restoreBelowMb(limitMb)} MB: delete data and VACUUM, or upgrade the plan`;
  }
  return `${addon.name} is within its plan capacity again (${mb(usedBytes)} MB of ${limitMb} MB, ${addon.plan}): write access restored`;
}
