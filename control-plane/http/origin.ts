// The API's origin as the client reached it, for URLs it hands out (capability URLs). Koa's own
// ctx.origin is not used: it answered "null" here.
import type { Context } from 'koa';

export function requestOrigin(ctx: Pick<Context, 'protocol' | 'host'>): string {
  return `${ctx.protocol}://${ctx.host}`;
}
