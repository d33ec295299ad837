// What each route takes and answers, declared where the route is (`router.post(path,
// spec({...}), handler)`), so that the machine-readable schema (/schema, http/openapi.ts)
// is made from the same zod schemas that validate requests: a handler reads its body only
// through the schema its route declares (bodyOf), so the two cannot drift apart.
import type { Context, Middleware, Next } from 'koa';
import type { z } from 'zod';
import { validateBody } from './validate.js';

/** A response: a shape of common/api-shapes.ts by name (a list of them with `list`), an empty
 *  list or object, text (streamed), a browser's redirect or page (sign-in through the
 *  provider's IdP), or only errors (a resource this platform does not have). */
export type ResponseSpec =
  | { shape: string; list?: boolean; status?: number; /** also as CSV (`text/csv`), when asked */ csv?: true }
  | { emptyList: true }
  | { emptyObject: true; status?: number }
  | { stream: 'text' | 'sse' | 'binary' }
  | { browser: 'redirect' | 'page' }
  | { errorOnly: true };

export interface RouteSpec {
  summary: string;
  body?: z.ZodType;
  /** the body may also come form-encoded (OAuth's token endpoint) */
  bodyAlsoForm?: true;
  query?: z.ZodType;
  response: ResponseSpec;
}

/** A middleware carrying its route's spec (read by the schema generator), passing through. */
export type SpecMiddleware = Middleware & { routeSpec: RouteSpec };

const SPEC = Symbol('route spec');

export function spec(routeSpec: RouteSpec): SpecMiddleware {
  const middleware = async (ctx: Context, next: Next) => {
    (ctx.state as Record<symbol, RouteSpec>)[SPEC] = routeSpec;
    await next();
  };
  return Object.assign(middleware, { routeSpec });
}

function declared(ctx: Context): RouteSpec | undefined {
  return (ctx.state as Record<symbol, RouteSpec | undefined>)[SPEC];
}

/** The request body parsed with `schema`, which must be the one the route declares (else a
 *  programming error, a 500), or a 422 saying what is wrong. */
export function bodyOf<S extends z.ZodType>(ctx: Context, schema: S): z.infer<S> {
  if (declared(ctx)?.body !== schema) throw new Error(`${ctx.method} ${ctx.path}: the route's description does not declare this body schema`);
  return validateBody(schema, ctx.request.body);
}

/** The query parsed with `schema`, which must be the one the route declares (the handler
 *  words its own 422). */
export function queryOf<S extends z.ZodType>(ctx: Context, schema: S): z.ZodSafeParseResult<z.infer<S>> {
  if (declared(ctx)?.query !== schema) throw new Error(`${ctx.method} ${ctx.path}: the route's description does not declare this query schema`);
  return schema.safeParse(ctx.query) as z.ZodSafeParseResult<z.infer<S>>;
}
