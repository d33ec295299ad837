// Attached one-off dynos (Heroku's `run`): the API hands out a single-use attach URL whose
// secret is kept hashed in Redis for a minute (Heroku's rendezvous works so); a WebSocket to it
// starts the run with a TTY and pipes bytes both ways: binary frames are the TTY's bytes, text
// frames are control ({"resize": {"cols", "rows"}}, {"eof": true}; and at the end, from the
// platform, {"exit_code", "reason"}). A client that goes away stops its run.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Redis } from 'ioredis';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import type { Logger } from '../../common/logger.js';
import { ttySize, type OneOffInput } from '../../common/protocol.js';
import type { DynoSize } from '../../common/types.js';
import type { AgentClient } from '../agents/client.js';
import type { AppStore } from '../store/apps.js';
import { SecretSessions } from '../store/secret-sessions.js';
import type { DetachedRuns } from './detached.js';

/** Where attach URLs point: `/dyno-sessions/<secret>`. */
export const ATTACH_PATH_PREFIX = '/dyno-sessions/';
const SESSION_TTL_SECONDS = 60;

const session = z.object({
  appId: z.string(),
  number: z.number().int(),
  command: z.string(),
  size: z.string(),
  cols: z.number().int(),
  rows: z.number().int(),
  ttlSeconds: z.number().int(),
  /** Variables the user set for this run (Heroku's `heroku run -e`, TERM), over the release's config. */
  env: z.record(z.string(), z.string()).optional(),
  /** Another image than the release's: an add-on's client (pg:psql, redis:cli). */
  image: z.object({ repository: z.string().min(1), digest: z.string().min(1) }).optional(),
});
export type AttachSession = z.infer<typeof session>;

const control = z.union([
  z.object({ resize: ttySize }),
  z.object({ eof: z.literal(true) }),
]);

/** Single-use secrets for attached runs, valid a minute (Heroku's rendezvous works so). */
export class AttachSessions extends SecretSessions<AttachSession> {
  constructor(redis: Redis) {
    super(redis, 'attach', session, SESSION_TTL_SECONDS);
  }
}

export interface AttachDeps {
  sessions: AttachSessions;
  apps: AppStore;
  runs: DetachedRuns;
  agents: AgentClient;
  logger: Logger;
}

/** Serves attach URLs on the API's HTTP server (WebSocket upgrades). */
export function serveAttachments(server: Server, deps: AttachDeps): () => void {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 256 * 1024 });
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(request.url ?? '/', 'http://api').pathname;
    if (!path.startsWith(ATTACH_PATH_PREFIX)) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    void deps.sessions.take(path.slice(ATTACH_PATH_PREFIX.length)).then(
      (found) => {
        if (!found) return socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        wss.handleUpgrade(request, socket, head, (ws) => attach(ws, found, deps));
      },
      (err: unknown) => {
        deps.logger.error({ err }, 'attach session lookup failed');
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      },
    );
  };
  server.on('upgrade', onUpgrade);
  return () => {
    server.off('upgrade', onUpgrade);
    for (const client of wss.clients) client.terminate();
    wss.close();
  };
}

/** One end of an attached run, whatever carries it (a WebSocket, Heroku's rendezvous). */
export interface AttachedTerminal {
  /** The TTY's bytes, for the user's terminal. */
  write(bytes: Buffer): void;
  /** The run ended, or could not start (`started` false, the reason in words). */
  end(outcome: { exitCode: number | null; reason: string }, started: boolean): void;
}

export interface AttachedRun {
  /** Input for the run; what comes before it has started waits for it. */
  input(input: OneOffInput): void;
  /** The user went away: so does the run (a hung-up terminal). */
  hangUp(): void;
}

/** Starts the session's run for `terminal`. */
export function startAttachedRun(found: AttachSession, deps: AttachDeps, terminal: AttachedTerminal): AttachedRun {
  let send: ((input: OneOffInput) => void) | null = null;
  const pending: OneOffInput[] = [];
  let stop: (() => void) | null = null;
  let hungUp = false;
  let ended = false;
  const run = async () => {
    const app = await deps.apps.get(found.appId);
    if (!app) return terminal.end({ exitCode: null, reason: 'the app is gone' }, false);
    let launched;
    try {
      launched = await deps.runs.launch(
        app,
        found.number,
        { command: found.command, size: found.size as DynoSize, ttlSeconds: found.ttlSeconds, tty: { cols: found.cols, rows: found.rows }, env: found.env ?? {}, ...(found.image ? { image: found.image } : {}) },
        { data: (bytes) => terminal.write(bytes) },
      );
    } catch (err) {
      return terminal.end({ exitCode: null, reason: err instanceof Error ? err.message : 'the run could not start' }, false);
    }
    const { started } = launched;
    send = started.send;
    for (const input of pending.splice(0)) send(input);
    stop = () => void deps.agents.stopOneOff(started.hostId, { runId: started.runId, graceSeconds: 2 }).catch(() => {});
    if (hungUp) stop();
    const outcome = await started.ended;
    ended = true;
    terminal.end(outcome, true);
  };
  run().catch((err: unknown) => {
    deps.logger.error({ err }, 'an attached run failed');
    terminal.end({ exitCode: null, reason: 'internal error' }, false);
  });
  return {
    input: (input) => (send ? send(input) : pending.push(input)),
    hangUp: () => {
      hungUp = true;
      if (!ended) stop?.();
    },
  };
}

/** Slipway's WebSocket attach: binary frames are the TTY's bytes, text frames control. */
function attach(ws: WebSocket, found: AttachSession, deps: AttachDeps): void {
  const run = startAttachedRun(found, deps, {
    write: (bytes) => ws.readyState === ws.OPEN && ws.send(bytes, { binary: true }),
    end: (outcome, started) => {
      if (ws.readyState !== ws.OPEN) return;
      ws.send(JSON.stringify({ exit_code: outcome.exitCode, reason: outcome.reason }));
      ws.close(started ? 1000 : 1011, started ? undefined : 'the run could not start');
    },
  });
  ws.on('message', (data, isBinary) => {
    const bytes = Buffer.isBuffer(data) ? data : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]);
    if (isBinary) return run.input({ kind: 'stdin', data: bytes.toString('base64') });
    let message;
    try {
      message = control.parse(JSON.parse(bytes.toString('utf8')));
    } catch {
      return;
    }
    if ('eof' in message) run.input({ kind: 'eof' });
    else run.input({ kind: 'resize', cols: message.resize.cols, rows: message.resize.rows });
  });
  ws.on('close', () => run.hangUp());
}
