// The usage ledger: an append-only Redis stream (the platform's Redis keeps it with the rest of
// its state; docs/decisions.md says why and what that asks of the operator). Each record is
// written once: its key is claimed first, so a retried write is a no-op. Metered time that runs
// on (a dyno, an add-on) is kept as open stretches (id → start ms, a hash per kind); closing one
// writes its record and moves or drops its mark in the same step.
import type { Redis } from 'ioredis';
import { keys } from '../store/keys.js';
import type { UsageRecord } from './records.js';

/** How long a record's key is remembered against a second write (longer than any retry). */
const KEY_TTL_SECONDS = 90 * 24 * 3600;

// KEYS: the record's key, the ledger stream; ARGV: the key's TTL, the record's JSON.
const APPEND = `
if not redis.call('SET', KEYS[1], '1', 'EX', ARGV[1], 'NX') then return 0 end
redis.call('XADD', KEYS[2], '*', 'record', ARGV[2])
return 1`;

// KEYS: the marks hash, the record's key, the ledger stream; ARGV: the stretch's id, its start as
// read, where it reopens ('' : it ends), the key's TTL, the record's JSON ('' : nothing to write).
// A stretch closed meanwhile by another writer (its start moved) is left alone.
const CLOSE = `
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
if ARGV[5] ~= '' and redis.call('SET', KEYS[2], '1', 'EX', ARGV[4], 'NX') then redis.call('XADD', KEYS[3], '*', 'record', ARGV[5]) end
if ARGV[3] == '' then redis.call('HDEL', KEYS[1], ARGV[1]) else redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) end
return 1`;

/** Whether a record measures anything (time, requests or bytes). */
function measuresSomething(record: UsageRecord): boolean {
  return record.seconds > 0 || Boolean(record.requests) || Boolean(record.bytes);
}

export class UsageLedger {
  constructor(private readonly redis: Redis) {}

  /** Appends the record unless its key was written before; true when it was new. The key's claim
   *  and the append are one step: a writer that dies between them would lose the record. */
  async append(record: UsageRecord): Promise<boolean> {
    if (!measuresSomething(record)) return false;
    return (await this.redis.eval(APPEND, 2, keys.usageKey(record.key), keys.usageLedger, String(KEY_TTL_SECONDS), JSON.stringify(record))) === 1;
  }

  /** The open stretches of one kind of metered time (marks in `marksKey`). */
  stretches(marksKey: string): OpenStretches {
    return new OpenStretches(this.redis, marksKey);
  }

  /** The records written in [fromMs, toMs + slack) whose stretch overlaps [fromMs, toMs), of an account or an app. */
  async read(filter: { account?: string; appId?: string }, fromMs: number, toMs: number): Promise<UsageRecord[]> {
    // a record is written when its stretch ends: anything overlapping the period ends after fromMs
    const entries = await this.redis.xrange(keys.usageLedger, String(Math.max(0, fromMs)), '+');
    const found: UsageRecord[] = [];
    for (const [, fields] of entries) {
      const record = JSON.parse(fields[1]!) as UsageRecord;
      if (filter.account && record.account !== filter.account) continue;
      if (filter.appId && record.appId !== filter.appId) continue;
      if (Date.parse(record.start) >= toMs) continue;
      found.push(record);
    }
    return found;
  }
}

/** Stretches of metered time still running, by id: opened once, closed (and reopened at each
 *  flush) with their record written in the same step, so a writer that dies in between neither
 *  loses the time nor counts it twice. */
export class OpenStretches {
  constructor(
    private readonly redis: Redis,
    private readonly marksKey: string,
  ) {}

  /** Opens the stretch at `atMs` unless it is open already. */
  async open(id: string, atMs: number): Promise<void> {
    await this.redis.hsetnx(this.marksKey, id, String(atMs));
  }

  ids(): Promise<string[]> {
    return this.redis.hkeys(this.marksKey);
  }

  /** Writes the open stretch up to `endMs` as `record(start)` (null: nothing to bill, such as an
   *  app that is gone) and reopens it at `endMs`, or ends it. */
  async close(id: string, endMs: number, reopen: boolean, record: (startMs: number) => Promise<UsageRecord | null>): Promise<void> {
    const mark = await this.redis.hget(this.marksKey, id);
    if (mark === null) return;
    const made = await record(Number(mark));
    const json = made && measuresSomething(made) ? JSON.stringify(made) : '';
    await this.redis.eval(CLOSE, 3, this.marksKey, keys.usageKey(made?.key ?? `none:${id}`), keys.usageLedger, id, mark, reopen ? String(endMs) : '', String(KEY_TTL_SECONDS), json);
  }
}
