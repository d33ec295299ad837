// Log drain receivers on loopback for tests: a TLS syslog server (octet-counted frames), a UDP
// syslog server and an HTTPS server taking Heroku's logplex batches, all with certificates from
// a test CA (test-ca.ts). Each records what it received; the TCP ones can be stopped and
// started again on the same port (a drain outage).
import { createSocket } from 'node:dgram';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import type { TestCa } from './test-ca.js';


/** Splits RFC 6587 octet-counted frames off the front of `pending`; answers the messages and the rest. */
export function octetFrames(pending: Buffer): { messages: string[]; rest: Buffer } {
  const messages: string[] = [];
  let at = 0;
  for (;;) {
    const space = pending.indexOf(0x20, at);
    if (space < 0) break;
    const length = Number(pending.subarray(at, space).toString('ascii'));
    if (!Number.isInteger(length) || length < 0) throw new Error(`bad octet count at byte ${at}`);
    if (pending.length < space + 1 + length) break;
    messages.push(pending.subarray(space + 1, space + 1 + length).toString('utf8'));
    at = space + 1 + length;
  }
  return { messages, rest: pending.subarray(at) };
}

export interface SyslogReceiver {
  port: number;
  messages: string[];
  /** connections accepted so far */
  connections: number;
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

export async function tlsSyslogReceiver(ca: TestCa, port = 0): Promise<SyslogReceiver> {
  const sockets = new Set<Socket>();
  let server: TlsServer | null = null;
  const receiver: SyslogReceiver = {
    port,
    messages: [],
    connections: 0,
    async start() {
      server = createTlsServer({ cert: ca.cert, key: ca.key }, (socket) => {
        receiver.connections++;
        sockets.add(socket);
        let pending: Buffer = Buffer.alloc(0);
        socket.on('data', (chunk: Buffer) => {
          const { messages, rest } = octetFrames(Buffer.concat([pending, chunk]));
          receiver.messages.push(...messages);
          pending = rest;
        });
        socket.on('error', () => {});
        socket.on('close', () => sockets.delete(socket));
      });
      server.listen(receiver.port, '127.0.0.1');
      await new Promise((resolve) => server!.once('listening', resolve));
      receiver.port = (server.address() as AddressInfo).port;
    },
    async stop() {
      const closing = server;
      server = null;
      if (!closing) return;
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => closing.close(resolve));
    },
  };
  await receiver.start();
  return receiver;
}

export async function udpSyslogReceiver(): Promise<SyslogReceiver> {
  const socket = createSocket('udp4');
  const receiver: SyslogReceiver = {
    port: 0,
    messages: [],
    connections: 0,
    start: async () => {},
    stop: () => new Promise((resolve) => socket.close(() => resolve())),
  };
  socket.on('message', (datagram) => receiver.messages.push(datagram.toString('utf8')));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  receiver.port = socket.address().port;
  return receiver;
}

export interface HttpsDrainRequest {
  headers: Record<string, string | string[] | undefined>;
  messages: string[];
}

export interface HttpsDrainReceiver {
  url: string;
  requests: HttpsDrainRequest[];
  /** every message of every request, in order */
  messages(): string[];
  /** the status it answers with (200 unless set) */
  status: number;
  /** Logplex-Frame-Id of each request answered with another status */
  refusedFrameIds: string[];
  stop(): Promise<void>;
}

export async function httpsDrainReceiver(ca: TestCa, path = '/logs'): Promise<HttpsDrainReceiver> {
  const server: HttpsServer = createHttpsServer({ cert: ca.cert, key: ca.key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (receiver.status >= 200 && receiver.status < 300) receiver.requests.push({ headers: req.headers, messages: octetFrames(Buffer.concat(chunks)).messages });
      else receiver.refusedFrameIds.push(String(req.headers['logplex-frame-id']));
      res.writeHead(receiver.status).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const receiver: HttpsDrainReceiver = {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    requests: [],
    messages: () => receiver.requests.flatMap((r) => r.messages),
    status: 200,
    refusedFrameIds: [],
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return receiver;
}
