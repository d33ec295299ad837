import { PassThrough } from 'node:stream';
import { requestOrigin } from '../http/origin.js';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { NatsConnection } from 'nats';
import { z } from 'zod';
import { InvalidParamsError, NotFoundError, SlipwayError } from '../../common/errors.js';
import type { LogSessionJson } from '../../common/api-shapes.js';
import type { LogLine } from '../../common/protocol.js';
import type { App, User } from '../../common/types.js';
import { loadApp } from '../http/load-app.js';
import { knownLogSource, LOG_SOURCES, logFilter, type LogFilter } from '../logs/filter.js';
import { LOG_STREAM_PATH_PREFIX } from '../logs/sessions.js';
import { formatLogLine, readLogs } from '../logs/stream.js';
import { bodyOf, queryOf, spec } from '../http/api-spec.js';
import type { Services } from '../services.js';

export const MAX_LOG_LINES = 1500;
const source = z.string().refine(knownLogSource, `source is one of ${LOG_SOURCES.join(', ')}`);
const dyno = z.string().regex(/^[a-z0-9][a-z0-9_-]*(\.\d+)?$/i, 'dyno is a process type (web) or one process (web.1)');

const query = z.object({
  lines: z.coerce.number().int().min(1).max(MAX_LOG_LINES).default(100),
  tail: z.enum(['true', 'false']).default('false'),
  dyno: dyno.optional(),
  source: source.optional(),
});

/** Heroku's log session create (what `heroku logs` sends; Heroku takes `lines` as a number or a string). */
const newSession = z.object({
  lines: z.coerce.number().int().min(1).max(MAX_LOG_LINES).default(100),
  tail: z.boolean().default(false),
  dyno: dyno.optional(),
  source: source.optional(),
});

export const DEFAULT_LOG_TAILS_PER_USER = 10;
/** A tail that says nothing for this long gets an SSE comment, so no client or proxy times it out. */
const SSE_HEARTBEAT_MS = 30_000;

export class TooManyLogTailsError extends SlipwayError {
  override name = 'TooManyLogTailsError';
  constructor(limit: number) {
    super('rate_limit', `You already follow ${limit} logs (the most one user may at once): stop one first.`, { status: 429 });
  }
}

/** Open tails per user on this control plane: each holds a JetStream consumer and a socket. */
export class LogTails {
  private readonly open = new Map<string, number>();
  constructor(private readonly perUser: number) {}

  /** Counts one more tail of `userId` (or refuses it with a 429); the answer ends it. */
  begin(userId: string): () => void {
    const open = this.open.get(userId) ?? 0;
    if (open >= this.perUser) throw new TooManyLogTailsError(this.perUser);
    this.open.set(userId, open + 1);
    return () => {
      const left = (this.open.get(userId) ?? 1) - 1;
      if (left > 0) this.open.set(userId, left);
      else this.open.delete(userId);
    };
  }
}

interface Reading {
  app: App;
  userId: string;
  tokenId: string;
  lines: number;
  tail: boolean;
  filter: LogFilter;
}

/** Streams an app's log as the response: plain text lines, or server-sent events (`sse`). */
function streamLogs(ctx: Context, services: Services, nats: NatsConnection, tails: LogTails, reading: Reading, format: 'text' | 'sse'): void {
  const { app, userId, tokenId, tail } = reading;
  const end = tail ? tails.begin(userId) : () => {};
  const abort = new AbortController();
  const out = new PassThrough();
  ctx.res.on('close', () => {
    abort.abort();
    end();
  });
  // A tail ends when its token is revoked or its account disabled (auth/access-cutoff.ts).
  const untrack = services.accessCutoff.track(userId, tokenId, () => abort.abort());
  const write = format === 'text' ? (line: LogLine) => `${formatLogLine(line)}\n` : (line: LogLine) => `data: ${formatLogLine(line).replace(/\r?\n/g, '\ndata: ')}\n\n`;
  ctx.type = format === 'text' ? 'text/plain; charset=utf-8' : 'text/event-stream; charset=utf-8';
  if (format === 'sse') ctx.set('Cache-Control', 'no-cache');
  ctx.body = out;
  // A tail may wait long for its first line: the client learns at once that it is connected.
  ctx.flushHeaders();
  const heartbeat = format === 'sse' && tail ? setInterval(() => out.write(': keep-alive\n\n'), SSE_HEARTBEAT_MS) : null;
  void (async () => {
    try {
      const notBeforeMs = await services.plans.logHistoryStartMs(app);
      for await (const line of readLogs(nats, app.id, { lines: reading.lines, tail, signal: abort.signal, accept: logFilter(reading.filter), notBeforeMs })) {
        out.write(write(line));
      }
    } catch (err) {
      if (!abort.signal.aborted) services.logger.warn({ err, app: app.name }, 'log stream failed');
    } finally {
      if (heartbeat) clearInterval(heartbeat);
      untrack();
      out.end();
    }
  })();
}

export function logHandlers(services: Services, nats: NatsConnection, tails: LogTails): Router {
  const router = new Router();

  // Plain text, one line per log line; with tail=true the response stays open and follows.
  router.get('/apps/:app/logs', spec({ summary: 'The app’s log as text, followed with tail=true', query, response: { stream: 'text' } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    const parsed = queryOf(ctx, query);
    if (!parsed.success) throw new InvalidParamsError(`lines must be 1-${MAX_LOG_LINES}, tail true or false, dyno a process type or process, source ${LOG_SOURCES.join(', ')}`);
    const { lines, tail, dyno, source } = parsed.data;
    const reading = { app, userId: (ctx.state.user as User).id, tokenId: ctx.state.tokenId as string, lines, tail: tail === 'true', filter: { dyno, source } };
    streamLogs(ctx, services, nats, tails, reading, 'text');
  });

  // Heroku's log session: a URL the client reads without credentials (logs/sessions.ts).
  router.post('/apps/:app/log-sessions', spec({ summary: 'A log session: a URL that streams the log without credentials', body: newSession, response: { shape: 'LogSessionJson', status: 201 } }), async (ctx) => {
    // Reading the log is viewing, though Heroku's session is made with a POST.
    const app = await loadApp(ctx, services, 'view');
    const { lines, tail, dyno, source } = bodyOf(ctx, newSession);
    const user = ctx.state.user as User;
    const secret = await services.logSessions.create({ appId: app.id, userId: user.id, tokenId: ctx.state.tokenId as string, lines, tail, dyno, source });
    const now = new Date().toISOString();
    const body: LogSessionJson = { id: secret.slice(0, 16), logplex_url: `${requestOrigin(ctx)}${LOG_STREAM_PATH_PREFIX}${secret}`, created_at: now, updated_at: now };
    ctx.status = 201;
    ctx.body = body;
  });

  return router;
}

/** The log session URLs, served without credentials: the secret in the path is one. Whoever
 *  opened the session must still hold the token and the app at every read. */
export function logStreamHandlers(services: Services, nats: NatsConnection, tails: LogTails): Router {
  const router = new Router();
  const gone = () => new NotFoundError('This log session is unknown or expired: ask for a new one.');

  router.get(`${LOG_STREAM_PATH_PREFIX}:secret`, spec({ summary: 'A log session’s stream (server-sent events; the URL is the credential)', response: { stream: 'sse' } }), async (ctx) => {
    const session = await services.logSessions.get(ctx.params.secret!);
    if (!session) throw gone();
    const [user, app] = await Promise.all([services.users.get(session.userId), services.apps.get(session.appId)]);
    if (!user || user.disabledAt || !app || !(await services.access.may(app, user, 'view'))) throw gone();
    if (!(await services.users.listTokens(user.id)).some((token) => token.id === session.tokenId)) throw gone();
    const reading = { app, userId: user.id, tokenId: session.tokenId, lines: session.lines, tail: session.tail, filter: { dyno: session.dyno, source: session.source } };
    streamLogs(ctx, services, nats, tails, reading, 'sse');
  });

  return router;
}
