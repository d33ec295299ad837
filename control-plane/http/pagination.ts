// Applies Heroku's Range to every list the API answers (see range.ts).
import type { Context, Next } from 'koa';
import { SlipwayError } from '../../common/errors.js';
import { applyRange, DEFAULT_MAX, parseRange, rangeFields } from './range.js';

/** Heroku's answer to a Range it cannot serve. */
const unsatisfiable = (message: string) => new SlipwayError('requested_range_not_satisfiable', message, { status: 416 });

export async function pagination(ctx: Context, next: Next): Promise<void> {
  await next();
  if (ctx.method !== 'GET' || ctx.status !== 200 || !Array.isArray(ctx.body)) return;
  const items = ctx.body as Record<string, unknown>[];
  const header = ctx.get('range');
  const fields = rangeFields(items);
  ctx.set('Accept-Ranges', fields.join(', '));
  if (!header && items.length <= DEFAULT_MAX) return;
  const spec = header ? parseRange(header) : { field: fields.includes('id') ? 'id' : fields[0]!, first: null, afterFirst: false, last: null, max: DEFAULT_MAX, order: 'asc' as const };
  if ('problem' in spec) throw unsatisfiable(spec.problem);
  const page = applyRange(items, spec, fields);
  if ('problem' in page) throw unsatisfiable(page.problem);
  ctx.body = page.items;
  if (page.contentRange) ctx.set('Content-Range', page.contentRange);
  if (page.nextRange) {
    ctx.set('Next-Range', page.nextRange);
    ctx.status = 206;
  }
}
