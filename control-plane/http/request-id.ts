// Heroku's Request-Id: every response names its request (the client's own id when it sent a
// sane one, else a new UUID), so a user's report and the platform's logs meet.
import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';

const CLIENT_ID = /^[A-Za-z0-9._:-]{8,200}$/;

/** Pure: the request's id, from the client's Request-Id header when it is one. */
export function requestIdFrom(header: string | undefined): string {
  const given = header?.split(',')[0]?.trim();
  return given && CLIENT_ID.test(given) ? given : randomUUID();
}

export async function requestId(ctx: Context, next: Next): Promise<void> {
  const id = requestIdFrom(ctx.get('request-id') || undefined);
  ctx.state.requestId = id;
  ctx.set('Request-Id', id);
  await next();
}
