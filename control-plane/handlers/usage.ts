// Metered usage through the API: an account's, a team's, a user's (operators) or an app's, for a
// period (default: this calendar month so far), as JSON sums or as the records in CSV.
import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { InvalidParamsError } from '../../common/errors.js';
import type { UsageJson } from '../../common/api-shapes.js';
import type { User } from '../../common/types.js';
import { queryOf, spec } from '../http/api-spec.js';
import { loadApp } from '../http/load-app.js';
import { visibleTeam, visibleUser } from '../http/load-user.js';
import type { Services } from '../services.js';
import { summarize, usageCsv } from '../usage/records.js';

const MAX_PERIOD_MS = 400 * 24 * 3600_000;
const period = z.object({ start: z.string().optional(), end: z.string().optional(), format: z.enum(['json', 'csv']).optional() });

/** Pure: the period a query names; default: from the start of this month (UTC) to now. */
export function usagePeriod(query: { start?: string; end?: string }, nowMs: number): { fromMs: number; toMs: number } {
  const month = new Date(nowMs);
  const fromMs = query.start === undefined ? Date.UTC(month.getUTCFullYear(), month.getUTCMonth(), 1) : Date.parse(query.start);
  const toMs = query.end === undefined ? nowMs : Date.parse(query.end);
  if (Number.isNaN(fromMs) || Number.isNaN(toMs)) throw new InvalidParamsError('start and end are ISO 8601 times (2026-12-01 or 2026-12-01T00:00:00Z).');
  if (toMs <= fromMs) throw new InvalidParamsError('end must come after start.');
  if (toMs - fromMs > MAX_PERIOD_MS) throw new InvalidParamsError('A period is at most 400 days.');
  return { fromMs, toMs };
}

export function usageHandlers(services: Services): Router {
  const router = new Router();

  const answer = async (ctx: Context, scope: string, filter: { account?: string; appId?: string }) => {
    const query = queryOf(ctx, period);
    if (!query.success) throw new InvalidParamsError('format is json or csv.');
    const { fromMs, toMs } = usagePeriod(query.data, Date.now());
    const records = await services.usage.read(filter, fromMs, toMs);
    if (query.data.format === 'csv' || (query.data.format === undefined && ctx.accepts('json', 'text/csv') === 'text/csv')) {
      ctx.type = 'text/csv; charset=utf-8';
      ctx.set('Content-Disposition', 'attachment; filename="usage.csv"');
      ctx.body = usageCsv(records);
      return;
    }
    const body: UsageJson = {
      start: new Date(fromMs).toISOString(),
      end: new Date(toMs).toISOString(),
      scope,
      lines: summarize(records, fromMs, toMs).map((l) => ({ app: l.appName, kind: l.kind, process_type: l.processType, size: l.size, seconds: l.seconds, requests: l.requests, bytes: l.bytes })),
    };
    ctx.body = body;
  };
  const described = (summary: string) => spec({ summary, query: period, response: { shape: 'UsageJson', csv: true } });

  router.get('/account/usage', described('The caller’s metered usage (personal apps) for a period; CSV with Accept: text/csv or format=csv'), async (ctx) => {
    const user = ctx.state.user as User;
    await answer(ctx, `user:${user.id}`, { account: `user:${user.id}` });
  });

  router.get('/users/:user/usage', described('A user’s metered usage (the user, or operators)'), async (ctx) => {
    const user = await visibleUser(ctx, services);
    await answer(ctx, `user:${user.id}`, { account: `user:${user.id}` });
  });

  router.get('/teams/:team/usage', described('A team’s metered usage (its members, or operators)'), async (ctx) => {
    const team = await visibleTeam(ctx, services);
    await answer(ctx, `team:${team.id}`, { account: `team:${team.id}` });
  });

  router.get('/apps/:app/usage', described('An app’s metered usage (those who may view it)'), async (ctx) => {
    const app = await loadApp(ctx, services);
    await answer(ctx, `app:${app.id}`, { appId: app.id });
  });

  return router;
}
