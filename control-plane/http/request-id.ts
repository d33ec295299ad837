// Heroku's Request-Id: every answer names the request with a fresh UUID, so a user can quote
// it; a client's own Request-Id (Heroku's CLI sends one) comes first, as Heroku chains them.
import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';

const CLIENT_ID = /^[A-Za-z0-9_.,:-]{1,200}$/;

/** Pure: the Request-Id to answer with, given the client's header (dropped when malformed) and a fresh id. */
export function requestIdFor(incoming: string, fresh: string): string {
  return CLIENT_ID.test(incoming) ? `${incoming},${fresh}` : fresh;
}

export async function requestId(ctx: Context, next: Next): Promise<void> {
  const id = requestIdFor(ctx.get('request-id'), randomUUID());
  ctx.state.requestId = id;
  ctx.set('Request-Id', id);
  await next();
}
