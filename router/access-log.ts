// HAProxy's access log lines (LOG_FORMAT in haproxy-config.ts) and the Heroku-style line each
// becomes in the app's log stream. HAProxy writes most of that line itself; the controller
// reads the few leading fields it needs (which app, which instance, status, timers) and adds
// the rest. This runs once per request: no regular expressions, no objects beyond the record.
import { PAGES } from './pages.js';

/**
 * `<backend> <server> <unix ms> <status> <bytes> <Tc> <Tr> <Ta> <termination> <code> <tls> <rest>`
 * where rest is `method=... path="..." host=... request_id=... fwd="..."`.
 */
export const LEADING_FIELDS = 11;

export interface AccessRecord {
  /** HAProxy backend (a slot) or the frontend's name when no app matched. */
  backend: string;
  /** HAProxy server name, null when no backend server was chosen. */
  server: string | null;
  /** When HAProxy accepted the request (Unix milliseconds). */
  acceptedAtMs: number;
  status: number;
  bytes: number;
  connectMs: number | null;
  /** Time until the backend's response headers. */
  serviceMs: number | null;
  /** Time from the request's first byte to the end of the response. */
  totalMs: number | null;
  /** HAProxy's termination state, e.g. `----`, `sH--`. */
  termination: string;
  /** The router's error code when its own page was sent (`Platform-Error`). */
  code: string | null;
  tls: boolean;
  /** HAProxy's part of the line: method, path, host, request id, client address. */
  rest: string;
}

const duration = (value: string) => (value.charCodeAt(0) === 45 /* - */ ? null : Number(value));

/** Parses one log message; null when it is not an access log line of ours. */
export function parseAccessLog(message: string): AccessRecord | null {
  const fields: string[] = [];
  let start = 0;
  for (let i = 0; i < LEADING_FIELDS; i++) {
    const end = message.indexOf(' ', start);
    if (end === -1) return null;
    fields.push(message.slice(start, end));
    start = end + 1;
  }
  const rest = message.slice(start).trimEnd();
  const [backend, server, at, status, bytes, tc, tr, ta, termination, code, tls] = fields as [string, string, string, string, string, string, string, string, string, string, string];
  const acceptedAtMs = Number(at);
  const statusCode = Number(status);
  if (!rest.startsWith('method=') || !Number.isFinite(acceptedAtMs) || !Number.isFinite(statusCode)) return null;
  return {
    backend,
    server: server.charCodeAt(0) === 60 /* < */ ? null : server,
    acceptedAtMs,
    status: statusCode,
    bytes: Math.max(0, Number(bytes) || 0),
    connectMs: duration(tc),
    serviceMs: duration(tr),
    totalMs: duration(ta),
    termination,
    code: code === '-' ? null : code,
    tls: tls === '1',
    rest,
  };
}

const DESCRIPTIONS: Record<string, string> = {
  ...Object.fromEntries(Object.values(PAGES).map((page) => [page.code, page.title])),
  H18: 'Server Request Interrupted',
  H27: 'Client Request Interrupted',
  H28: 'Client Connection Idle',
};

/**
 * The error code of a failed request: the router's page code when it sent one, else read
 * from HAProxy's termination state (who ended the session, and in which phase).
 */
export function errorCode(record: Pick<AccessRecord, 'code' | 'termination' | 'status' | 'server'>): string | null {
  if (record.code) return record.code;
  const who = record.termination[0];
  const phase = record.termination[1];
  if (who === '-' && record.status < 400) return null;
  if (who === 'C' || who === 'c') return who === 'c' ? 'H28' : 'H27';
  if (who === 's' && (phase === 'H' || phase === 'D')) return 'H12';
  if (who === 'S' && phase === 'C') return 'H21';
  if (who === 'S' && phase === 'H') return 'H13';
  if (who === 'S' && phase === 'D') return 'H18';
  if (record.status === 400) return 'H26';
  if (record.status === 408) return 'H28';
  if (record.status >= 500 && record.server === null) return 'H99';
  return null;
}

export interface Attribution {
  appName: string;
  instanceId: string | null;
}

const ms = (value: number | null) => (value === null ? '-' : `${value}ms`);

/** The line for the app's log stream, in Heroku's router format (key=value). */
export function formatAccessLine(record: AccessRecord, attribution: Attribution): string {
  const code = errorCode(record);
  const head = code ? `at=error code=${code} desc="${DESCRIPTIONS[code] ?? 'Request failed'}"` : 'at=info';
  return `${head} ${record.rest} instance=${attribution.instanceId ?? '-'} connect=${ms(record.connectMs)} service=${ms(record.serviceMs)} total=${ms(record.totalMs)} status=${record.status} bytes=${record.bytes} protocol=${record.tls ? 'https' : 'http'}`;
}

/** `2xx`, `4xx`...; `none` when no response was sent. */
export function statusClass(status: number): string {
  return status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : 'none';
}
