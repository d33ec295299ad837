// One promise chain owns errors: every failure becomes {"id", "message"} with the right
// status. Unexpected errors are logged and shown as a generic 500 (their text may hold internals).
import type { Context, Next } from 'koa';
import type { Logger } from '../../common/logger.js';
import { SlipwayError } from '../../common/errors.js';

interface HttpishError {
  status?: number;
  statusCode?: number;
  expose?: boolean;
  message?: string;
  /** Headers the response must carry (Retry-After on a 429). */
  headers?: Record<string, string | number>;
}

const HTTP_ERROR_IDS: Record<number, string> = { 404: 'not_found', 429: 'rate_limit' };

export function errorBody(id: string, message: string): { id: string; message: string } {
  return { id, message };
}

function fromHttpError(err: HttpishError): { status: number; id: string; message: string } | null {
  const status = err.status ?? err.statusCode;
  if (!status || status >= 500 || !err.expose) return null;
  return { status, id: HTTP_ERROR_IDS[status] ?? 'bad_request', message: err.message ?? 'Bad request.' };
}

/** The 503 for any failure while the state store is unreachable: the cause is known, and retrying is right. */
export const STATE_STORE_DOWN_MESSAGE = "The platform's state store (Redis) is unreachable; try again shortly.";

/** The 507 for a write Redis refused at its maxmemory (it evicts nothing: platform state stays whole). */
export const STATE_STORE_FULL_MESSAGE =
  "The platform's state store (Redis) is full: it refuses writes at its memory limit, and nothing was changed. An operator must raise the limit or free space; reads still work.";

/** Pure: whether Redis refused the command (or the MULTI holding it) for being at maxmemory. */
export function isStateStoreFull(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { message, previousErrors } = err as { message?: unknown; previousErrors?: unknown };
  if (typeof message === 'string' && message.startsWith('OOM ')) return true;
  return Array.isArray(previousErrors) && previousErrors.some(isStateStoreFull);
}

/** `stateStoreUp` says whether Redis is connected now; failures while it is not are 503s. */
export function errorHandler(logger: Logger, stateStoreUp: () => boolean = () => true, realm = 'Slipway') {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        ctx.status = 404;
        ctx.body = errorBody('not_found', `No route for ${ctx.method} ${ctx.path}.`);
      }
    } catch (err) {
      let status = 500;
      let body = errorBody('internal_error', 'Internal server error.');
      if (err instanceof SlipwayError && err.expose) {
        status = err.status;
        body = errorBody(err.id, err.message);
      } else if (isStateStoreFull(err)) {
        status = 507;
        body = errorBody('insufficient_storage', STATE_STORE_FULL_MESSAGE);
        logger.error({ method: ctx.method, path: ctx.path }, 'Redis refused a write at its maxmemory: raise it (SLIPWAY_REDIS_MAXMEMORY_MB) or free space');
      } else if (!stateStoreUp()) {
        status = 503;
        body = errorBody('service_unavailable', STATE_STORE_DOWN_MESSAGE);
        ctx.set('Retry-After', '5');
      } else {
        const mapped = typeof err === 'object' && err !== null ? fromHttpError(err as HttpishError) : null;
        if (mapped) {
          status = mapped.status;
          body = errorBody(mapped.id, mapped.message);
          for (const [name, value] of Object.entries((err as HttpishError).headers ?? {})) ctx.set(name, String(value));
        } else {
          logger.error({ err, method: ctx.method, path: ctx.path }, 'request failed');
        }
      }
      ctx.status = status;
      ctx.body = body;
      if (status === 401) ctx.set('WWW-Authenticate', `Bearer realm="${realm}"`);
    }
  };
}
