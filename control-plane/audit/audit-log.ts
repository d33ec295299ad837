// The audit log: who did what to which account or app, when and from where. One Redis stream
// per actor, per app and for the whole platform, each capped (the oldest entries go first);
// entries hold the action's route, never its body (config values stay out).
import type { Redis } from 'ioredis';

export interface AuditEntry {
  at: string;
  actor: { id: string; email: string } | null;
  /** `METHOD /route/{template}` (or an account event such as `login failed`). */
  action: string;
  app: { id: string; name: string } | null;
  /** The HTTP status the action ended with. */
  status: number;
  ip: string;
  requestId: string;
}

export interface AuditRecord extends AuditEntry {
  id: string;
}

/** Entries kept per stream: enough for months of a busy account, bounded in memory. */
export const AUDIT_ENTRIES_PER_STREAM = 10_000;
const PLATFORM_ENTRIES = 100_000;

const streams = {
  actor: (userId: string) => `slipway:audit:user:${userId}`,
  app: (appId: string) => `slipway:audit:app:${appId}`,
  platform: 'slipway:audit',
};

export type AuditScope = { actor: string } | { app: string } | 'platform';

function streamOf(scope: AuditScope): string {
  if (scope === 'platform') return streams.platform;
  return 'actor' in scope ? streams.actor(scope.actor) : streams.app(scope.app);
}

export class AuditLog {
  constructor(private readonly redis: Redis) {}

  async record(entry: AuditEntry): Promise<void> {
    const data = JSON.stringify(entry);
    const multi = this.redis.multi().xadd(streams.platform, 'MAXLEN', '~', PLATFORM_ENTRIES, '*', 'e', data);
    if (entry.actor) multi.xadd(streams.actor(entry.actor.id), 'MAXLEN', '~', AUDIT_ENTRIES_PER_STREAM, '*', 'e', data);
    if (entry.app) multi.xadd(streams.app(entry.app.id), 'MAXLEN', '~', AUDIT_ENTRIES_PER_STREAM, '*', 'e', data);
    await multi.exec();
  }

  /** The newest `limit` entries of a scope, newest first. */
  async list(scope: AuditScope, limit: number): Promise<AuditRecord[]> {
    const entries = await this.redis.xrevrange(streamOf(scope), '+', '-', 'COUNT', limit);
    return entries.map(([id, fields]) => ({ id, ...(JSON.parse(fields[1]!) as AuditEntry) }));
  }
}
