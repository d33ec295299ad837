// I/O: how lines reach a drain. Syslog over TCP (plain or TLS, octet-counted frames on one kept
// connection), syslog over UDP (one message a datagram), and Heroku's HTTPS batches. Each send
// resolves once the drain took the lines and rejects otherwise; the forwarder retries with
// backoff. Every address dialed is checked against the drain address policy, names once
// resolved (so a name that resolves to an internal address is refused too).
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect as netConnect, isIP, type LookupFunction, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Agent, request } from 'undici';
import type { LogLine } from '../../common/protocol.js';
import type { AddressPolicy } from './addresses.js';
import { logplexBatch, newFrameId } from './logplex.js';
import { octetFrame, syslogMessage } from './syslog.js';
import type { DrainTarget } from './url.js';

export interface DrainTransport {
  /** Delivers `lines`; rejects when the drain did not take them (a DrainRefusedError: never will). */
  send(lines: readonly LogLine[]): Promise<void>;
  close(): void;
}

/** The drain answered that it will not take these lines (an HTTP 4xx): retrying cannot help. */
export class DrainRefusedError extends Error {
  override name = 'DrainRefusedError';
}

export interface TransportOptions {
  /** The drain's token (the syslog HOSTNAME, Logplex-Drain-Token). */
  token: string;
  /** PEM certificates trusted for TLS instead of Node's bundled ones (SLIPWAY_LOG_DRAIN_CA_FILE). */
  ca: string | undefined;
  addresses: AddressPolicy;
  /** Connecting, and each write or request, may take this long. */
  timeoutMs: number;
}

/** Largest UDP syslog message (RFC 5426: receivers should take 2048 octets). */
export const UDP_MAX_MESSAGE_BYTES = 2048;

/** dns.lookup that answers only addresses the policy permits; `who` names the dialler in the refusal. */
export function guardedLookup(addresses: AddressPolicy, who = 'drains'): LookupFunction {
  return ((hostname: string, options: { all?: boolean; family?: number }, callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => {
    dnsLookup(hostname, { family: options.family ?? 0, all: true }, (err, results) => {
      if (err) return callback(err, '', 0);
      const permitted = results.filter((r) => addresses.permits(r.address));
      if (permitted.length === 0) return callback(Object.assign(new Error(`${hostname} resolves to internal addresses only; ${who} may not reach them`), { code: 'EACCES' }), '', 0);
      if (options.all) return callback(null, permitted);
      callback(null, permitted[0]!.address, permitted[0]!.family);
    });
  }) as LookupFunction;
}

/** Refuses an IP literal the policy does not permit: literals are dialled without a lookup, so guardedLookup never sees them. */
export function checkLiteral(host: string, addresses: AddressPolicy, who = 'drains'): void {
  if (isIP(host) && !addresses.permits(host)) throw new Error(`${host} is an internal address; ${who} may not reach it`);
}

/** Writes `data` and waits until the socket took it (or failed, closed or timed out). */
function writeAll(socket: Socket, data: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error | null) => {
      clearTimeout(timer);
      socket.off('close', closed);
      if (err) reject(err);
      else resolve();
    };
    const closed = () => done(new Error('connection closed'));
    const timer = setTimeout(() => socket.destroy(new Error(`write took longer than ${timeoutMs} ms`)), timeoutMs);
    socket.once('close', closed);
    socket.write(data, (err) => done(err));
  });
}

class SyslogStreamTransport implements DrainTransport {
  private socket: Socket | null = null;

  constructor(private readonly target: DrainTarget, private readonly options: TransportOptions) {}

  private connect(): Promise<Socket> {
    if (this.socket && !this.socket.destroyed) return Promise.resolve(this.socket);
    const { host, port } = this.target;
    checkLiteral(host, this.options.addresses);
    const lookup = guardedLookup(this.options.addresses);
    return new Promise((resolve, reject) => {
      const tls = this.target.kind === 'syslog+tls';
      // A TLS drain's certificate is verified (Node's default) against the trusted CAs.
      const socket: Socket = tls
        ? tlsConnect({ host, port, lookup, ca: this.options.ca, servername: isIP(host) ? undefined : host, timeout: this.options.timeoutMs })
        : netConnect({ host, port, lookup, timeout: this.options.timeoutMs });
      // kept while connecting too, so that close() cuts a connection attempt short
      this.socket = socket;
      const fail = (err: Error) => {
        socket.destroy();
        if (this.socket === socket) this.socket = null;
        reject(err);
      };
      const closed = () => fail(new Error('connection closed'));
      const timedOut = () => fail(new Error(`connecting took longer than ${this.options.timeoutMs} ms`));
      socket.once('close', closed);
      socket.once('timeout', timedOut);
      socket.once('error', fail);
      socket.once(tls ? 'secureConnect' : 'connect', () => {
        socket.off('error', fail);
        socket.off('close', closed);
        socket.off('timeout', timedOut);
        socket.setTimeout(0);
        // Errors after this surface through writes; a closed connection is dialed again.
        socket.on('error', () => {});
        socket.once('close', () => {
          if (this.socket === socket) this.socket = null;
        });
        socket.setKeepAlive(true, 30_000);
        socket.resume(); // a receiver has nothing to say; never let it fill our buffers
        resolve(socket);
      });
    });
  }

  async send(lines: readonly LogLine[]): Promise<void> {
    const socket = await this.connect();
    const data = lines.map((line) => octetFrame(syslogMessage(line, this.options.token))).join('');
    try {
      await writeAll(socket, data, this.options.timeoutMs);
    } catch (err) {
      // the next send dials afresh
      socket.destroy();
      throw err;
    }
  }

  close(): void {
    this.socket?.destroy();
    this.socket = null;
  }
}

class SyslogUdpTransport implements DrainTransport {
  private socket: UdpSocket | null = null;

  constructor(private readonly target: DrainTarget, private readonly options: TransportOptions) {}

  private address(): Promise<{ address: string; family: number }> {
    const { host } = this.target;
    if (isIP(host)) {
      checkLiteral(host, this.options.addresses);
      return Promise.resolve({ address: host, family: isIP(host) });
    }
    return new Promise((resolve, reject) =>
      guardedLookup(this.options.addresses)(host, {}, (err, address, family) => (err ? reject(err) : resolve({ address: address as string, family: family ?? 4 }))),
    );
  }

  async send(lines: readonly LogLine[]): Promise<void> {
    const { address, family } = await this.address();
    const type = family === 6 ? 'udp6' : 'udp4';
    if (!this.socket || (this.socket as UdpSocket & { type?: string }).type !== type) {
      this.socket?.close();
      this.socket = Object.assign(createSocket(type), { type });
      this.socket.on('error', () => {});
    }
    const socket = this.socket;
    for (const line of lines) {
      const datagram = Buffer.from(syslogMessage(line, this.options.token, { maxBytes: UDP_MAX_MESSAGE_BYTES }));
      await new Promise<void>((resolve, reject) => socket.send(datagram, this.target.port, address, (err) => (err ? reject(err) : resolve())));
    }
  }

  close(): void {
    this.socket?.close();
    this.socket = null;
  }
}

class HttpsTransport implements DrainTransport {
  private readonly agent: Agent;
  private readonly url: string;
  private readonly authorization: string | null;
  /** The batch being retried keeps its frame id (Logplex-Frame-Id), so receivers can drop repeats. */
  private pending: { lines: readonly LogLine[]; frameId: string } | null = null;

  constructor(private readonly target: DrainTarget, private readonly options: TransportOptions) {
    const url = new URL(target.url);
    this.authorization = url.username || url.password ? `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}` : null;
    url.username = '';
    url.password = '';
    this.url = url.toString();
    this.agent = new Agent({ connections: 1, connect: { ca: options.ca, lookup: guardedLookup(options.addresses), timeout: options.timeoutMs } as never });
  }

  async send(lines: readonly LogLine[]): Promise<void> {
    checkLiteral(this.target.host, this.options.addresses);
    if (this.pending?.lines !== lines) this.pending = { lines, frameId: newFrameId() };
    const batch = logplexBatch(lines, this.options.token, this.pending.frameId);
    const response = await request(this.url, {
      method: 'POST',
      headers: { ...batch.headers, ...(this.authorization ? { authorization: this.authorization } : {}) },
      body: batch.body,
      dispatcher: this.agent,
      headersTimeout: this.options.timeoutMs,
      bodyTimeout: this.options.timeoutMs,
    });
    await response.body.dump();
    const status = response.statusCode;
    if (status >= 200 && status < 300) {
      this.pending = null;
      return;
    }
    // Redirects are not followed (a drain must not be bounced to another address).
    if (status >= 400 && status < 500 && status !== 408 && status !== 429) throw new DrainRefusedError(`the drain answered ${status}`);
    throw new Error(`the drain answered ${status}`);
  }

  /** For good: the forwarder is stopping (a request in flight is cut short). */
  close(): void {
    void this.agent.destroy().catch(() => {});
  }
}

export function drainTransport(target: DrainTarget, options: TransportOptions): DrainTransport {
  switch (target.kind) {
    case 'syslog':
    case 'syslog+tls':
      return new SyslogStreamTransport(target, options);
    case 'syslog+udp':
      return new SyslogUdpTransport(target, options);
    case 'https':
    case 'http':
      return new HttpsTransport(target, options);
  }
}
