// Records every request that changes something (not GET/HEAD) in the audit log once it has
// an answer, refused ones included: the caller, the route, the app it acted on, the status,
// the client's address. Recording never fails the request.
import type { Context, Next } from 'koa';
import type { App, User } from '../../common/types.js';
import type { AuditEntry, AuditLog } from '../audit/audit-log.js';
import type { Logger } from '../../common/logger.js';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Pure: the entry for a finished request. */
export function auditEntryOf(request: { method: string; route: string | undefined; path: string; status: number; ip: string; requestId: string }, user: User | undefined, app: App | undefined, at: Date): AuditEntry {
  return {
    at: at.toISOString(),
    actor: user ? { id: user.id, email: user.email } : null,
    action: `${request.method} ${request.route ?? request.path}`,
    app: app ? { id: app.id, name: app.name } : null,
    status: request.status,
    ip: request.ip,
    requestId: request.requestId,
  };
}

export function auditTrail(log: AuditLog, logger: Logger) {
  return async (ctx: Context, next: Next): Promise<void> => {
    if (READS.has(ctx.method)) return next();
    let status = 500;
    try {
      await next();
      status = ctx.status;
    } catch (err) {
      status = (err as { status?: number }).status ?? 500;
      throw err;
    } finally {
      const route = (ctx as Context & { _matchedRoute?: string })._matchedRoute;
      const entry = auditEntryOf(
        { method: ctx.method, route: route ? route.replace(/:([a-z_]+)/gi, '{$1}') : undefined, path: ctx.path, status, ip: ctx.ip, requestId: String(ctx.state.requestId ?? '') },
        ctx.state.user as User | undefined,
        ctx.state.app as App | undefined,
        new Date(),
      );
      await log.record(entry).catch((err: unknown) => logger.warn({ err }, 'recording an audit entry failed'));
    }
  };
}
