// The usage ledger: an append-only Redis stream (the platform's Redis keeps it with the rest of
// its state; docs/decisions.md says why and what that asks of the operator). Each record is
// written once: its key is claimed first, so a retried write is a no-op.
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

export class UsageLedger {
  constructor(private readonly redis: Redis) {}

  /** Appends the record unless its key was written before; true when it was new. The key's claim
   *  and the append are one step: a writer that dies between them would lose the record. */
  async append(record: UsageRecord): Promise<boolean> {
    if (record.seconds <= 0 && !record.requests && !record.bytes) return false;
    return (await this.redis.eval(APPEND, 2, keys.usageKey(record.key), keys.usageLedger, String(KEY_TTL_SECONDS), JSON.stringify(record))) === 1;
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
