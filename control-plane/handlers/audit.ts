// Reading the audit log: your own actions, an app's (those who manage it), a user's and the
// whole platform's (operators).
import Router from '@koa/router';
import { z } from 'zod';
import type { AuditEventJson } from '../../common/api-shapes.js';
import { InvalidParamsError } from '../../common/errors.js';
import type { User } from '../../common/types.js';
import type { AuditRecord, AuditScope } from '../audit/audit-log.js';
import { requireAdmin } from '../http/auth.js';
import { loadApp } from '../http/load-app.js';
import { namedUser } from '../http/load-user.js';
import { queryOf, spec } from '../http/api-spec.js';
import type { Context } from 'koa';
import type { Services } from '../services.js';

const listing = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) });

function auditEventJson(record: AuditRecord): AuditEventJson {
  return { id: record.id, created_at: record.at, actor: record.actor, action: record.action, app: record.app, status: record.status, ip: record.ip, request_id: record.requestId };
}

export function auditHandlers(services: Services): Router {
  const router = new Router();
  const answer = async (ctx: Context, scope: AuditScope) => {
    const query = queryOf(ctx, listing);
    if (!query.success) throw new InvalidParamsError('limit is 1-1000.');
    ctx.body = (await services.audit.list(scope, query.data.limit)).map(auditEventJson);
  };
  const listed = (summary: string) => spec({ summary, query: listing, response: { shape: 'AuditEventJson', list: true } });

  router.get('/account/audit-events', listed('What the caller did, newest first'), (ctx) => answer(ctx, { actor: (ctx.state.user as User).id }));
  router.get('/apps/:app/audit-events', listed('What was done to an app, newest first (those who manage it)'), async (ctx) => {
    const app = await loadApp(ctx, services, 'manage');
    await answer(ctx, { app: app.id });
  });
  router.get('/users/:user/audit-events', listed('What a user did, newest first (operators)'), requireAdmin, async (ctx) => {
    const user = await namedUser(ctx, services);
    await answer(ctx, { actor: user.id });
  });
  router.get('/audit-events', listed('Everything done on the platform, refused attempts included, newest first (operators)'), requireAdmin, (ctx) => answer(ctx, 'platform'));
  return router;
}
