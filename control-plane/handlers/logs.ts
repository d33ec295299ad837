import { PassThrough } from 'node:stream';
import Router from '@koa/router';
import type { NatsConnection } from 'nats';
import { z } from 'zod';
import { InvalidParamsError, SlipwayError } from '../../common/errors.js';
import type { User } from '../../common/types.js';
import { loadApp } from '../http/load-app.js';
import { formatLogLine, readLogs } from '../logs/stream.js';
import type { Services } from '../services.js';

const query = z.object({
  lines: z.coerce.number().int().min(1).max(1500).default(100),
  tail: z.enum(['true', 'false']).default('false'),
});

export const DEFAULT_LOG_TAILS_PER_USER = 10;

export class TooManyLogTailsError extends SlipwayError {
  override name = 'TooManyLogTailsError';
  constructor(limit: number) {
    super('rate_limit', `You already follow ${limit} logs (the most one user may at once): stop one first.`, { status: 429 });
  }
}

export function logHandlers(services: Services, nats: NatsConnection, tailsPerUser: number): Router {
  const router = new Router();
  // Open tails per user on this control plane: each holds a JetStream consumer and a socket.
  const tails = new Map<string, number>();

  // Plain text, one line per log line; with tail=true the response stays open and follows.
  router.get('/apps/:app/logs', async (ctx) => {
    const app = await loadApp(ctx, services);
    const parsed = query.safeParse(ctx.query);
    if (!parsed.success) throw new InvalidParamsError('lines must be 1-1500 and tail true or false');
    const tail = parsed.data.tail === 'true';
    const userId = (ctx.state.user as User).id;
    if (tail) {
      const open = tails.get(userId) ?? 0;
      if (open >= tailsPerUser) throw new TooManyLogTailsError(tailsPerUser);
      tails.set(userId, open + 1);
    }
    const abort = new AbortController();
    const out = new PassThrough();
    ctx.res.on('close', () => {
      abort.abort();
      if (!tail) return;
      const open = (tails.get(userId) ?? 1) - 1;
      if (open > 0) tails.set(userId, open);
      else tails.delete(userId);
    });
    // A tail ends when its token is revoked or its account disabled (auth/access-cutoff.ts).
    const untrack = services.accessCutoff.track(userId, ctx.state.tokenId as string, () => abort.abort());
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = out;
    // A tail may wait long for its first line: the client learns at once that it is connected.
    ctx.flushHeaders();
    void (async () => {
      try {
        for await (const line of readLogs(nats, app.id, { lines: parsed.data.lines, tail, signal: abort.signal })) {
          out.write(`${formatLogLine(line)}\n`);
        }
      } catch (err) {
        if (!abort.signal.aborted) services.logger.warn({ err, app: app.name }, 'log stream failed');
      } finally {
        untrack();
        out.end();
      }
    })();
  });

  return router;
}
