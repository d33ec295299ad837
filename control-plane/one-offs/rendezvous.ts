// Heroku's rendezvous, which the stock `heroku run` speaks: the attach URL is
// `rendezvous://<host>:<port>/<secret>`; the client opens TLS to it, sends the secret and CRLF,
// and from then on the connection carries the TTY's bytes both ways. The first line the
// platform sends is its greeting (the client drops it); the end of the run closes the
// connection. The secret is the WebSocket attach's (single use, one minute): either transport
// may take it.
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer, type TLSSocket } from 'node:tls';
import type { AttachDeps } from './attach.js';
import { startAttachedRun } from './attach.js';

/** What the client sends first at most (the secret's line); more is not a rendezvous. */
const MAX_SECRET_LINE_BYTES = 512;
const SECRET_TIMEOUT_MS = 10_000;
export const RENDEZVOUS_GREETING = 'rendezvous\r\n';

export interface RendezvousOptions {
  host: string;
  port: number;
  certFile: string;
  keyFile: string;
}

/** Pure: the secret in the client's first line (`<secret>` or `/<secret>?…`), or null before its end. */
export function secretLine(received: Buffer): { secret: string; rest: Buffer } | null {
  const end = received.indexOf('\n');
  if (end < 0) return null;
  const line = received.subarray(0, end).toString('utf8').replace(/\r$/, '');
  return { secret: line.replace(/^\/+/, '').split('?')[0]!, rest: received.subarray(end + 1) };
}

/** Pure: the attach URL of a rendezvous. */
export function rendezvousUrl(host: string, port: number, secret: string): string {
  return `rendezvous://${host.includes(':') ? `[${host}]` : host}:${port}/${secret}`;
}

/** Serves the rendezvous; resolves once it listens, with its closer. */
export async function serveRendezvous(options: RendezvousOptions, deps: AttachDeps): Promise<{ close(): Promise<void> }> {
  const [cert, key] = await Promise.all([readFile(options.certFile), readFile(options.keyFile)]);
  const sockets = new Set<TLSSocket>();
  const server = createServer({ cert, key, minVersion: 'TLSv1.2' }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    join(socket, deps);
  });
  server.on('tlsClientError', () => {});
  server.listen(options.port, options.host);
  await once(server, 'listening');
  return {
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function join(socket: TLSSocket, deps: AttachDeps): void {
  let received = Buffer.alloc(0);
  socket.setTimeout(SECRET_TIMEOUT_MS, () => socket.destroy());
  const refuse = (message: string) => socket.end(`${message}\r\n`);
  const onData = (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
    const line = secretLine(received);
    if (!line) {
      if (received.length > MAX_SECRET_LINE_BYTES) refuse('error: no attach secret');
      return;
    }
    socket.off('data', onData);
    socket.pause();
    void deps.sessions.take(line.secret).then(
      (found) => {
        if (!found) return refuse('error: this attach URL is unknown, used or expired');
        socket.setTimeout(0);
        socket.write(RENDEZVOUS_GREETING);
        const run = startAttachedRun(found, deps, {
          write: (bytes) => socket.writable && socket.write(bytes),
          end: (outcome, started) => (started ? socket.end() : refuse(`\r\n${outcome.reason}`)),
        });
        const input = (bytes: Buffer) => bytes.length > 0 && run.input({ kind: 'stdin', data: bytes.toString('base64') });
        input(line.rest);
        socket.on('data', input);
        socket.on('end', () => run.input({ kind: 'eof' }));
        socket.once('close', () => run.hangUp());
        socket.resume();
      },
      (err: unknown) => {
        deps.logger.error({ err }, 'attach session lookup failed');
        refuse('error: the platform could not look the attach URL up');
      },
    );
  };
  socket.on('data', onData);
}
