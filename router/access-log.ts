// HAProxy's access log lines (LOG_FORMAT in haproxy-config.ts), parsed, given an error code
// when the request failed, and written as the Heroku-style line of the app's log stream. Pure.
import { PAGES } from './pages.js';

export interface AccessRecord {
  clientIp: string;
  /** HAProxy backend (a slot) or the frontend's name when no app matched. */
  backend: string;
  /** HAProxy server name, null when no backend server was chosen. */
  server: string | null;
  status: number;
  bytes: number;
  queueMs: number | null;
  connectMs: number | null;
  /** Time until the backend's response headers. */
  serviceMs: number | null;
  /** Time from the request's first byte to the end of the response. */
  totalMs: number | null;
  /** HAProxy's termination state, e.g. `----`, `sH--`. */
  termination: string;
  requestId: string | null;
  /** The router's error code when its own page was sent (`Slipway-Error`). */
  code: string | null;
  tls: boolean;
  httpVersion: string;
  method: string;
  host: string;
  /** Path and query string. */
  path: string;
}

const QUOTED = '"((?:[^"\\\\]|\\\\.)*)"';
const LINE = new RegExp(
  `^(\\S+) (\\S+) (\\S+) (-?\\d+) (-?\\d+) (-?\\d+) (-?\\d+) (-?\\d+) (-?\\d+) (\\S+) (\\S+) (\\S+) (\\S+) (\\S+) (\\S+) ${QUOTED} ${QUOTED} ${QUOTED}$`,
);

const dash = (value: string | undefined) => (value === undefined || value === '-' || value === '' ? null : value);
const duration = (value: string | undefined) => {
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? n : null;
};

/** Parses one log message; null when it is not an access log line of ours. */
export function parseAccessLog(message: string): AccessRecord | null {
  const m = LINE.exec(message.trimEnd());
  if (!m) return null;
  const server = m[3]!;
  return {
    clientIp: m[1]!,
    backend: m[2]!,
    server: server.startsWith('<') ? null : server,
    status: Number(m[4]),
    bytes: Math.max(0, Number(m[5])),
    queueMs: duration(m[6]),
    connectMs: duration(m[7]),
    serviceMs: duration(m[8]),
    totalMs: duration(m[9]),
    termination: m[10]!,
    requestId: dash(m[11]),
    code: dash(m[12]),
    tls: m[13] === '1',
    httpVersion: m[14]!,
    method: m[15]!,
    host: dash(m[16]) ?? '',
    path: `${dash(m[17]) ?? ''}${dash(m[18]) ?? ''}`,
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
export function errorCode(record: AccessRecord): string | null {
  if (record.code) return record.code;
  const [who, phase] = record.termination;
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
const quote = (value: string) => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** The line for the app's log stream, in Heroku's router format (key=value). */
export function formatAccessLine(record: AccessRecord, attribution: Attribution): string {
  const code = errorCode(record);
  const head = code ? `at=error code=${code} desc=${quote(DESCRIPTIONS[code] ?? 'Request failed')}` : 'at=info';
  return [
    head,
    `method=${record.method}`,
    `path=${quote(unescapeQuoted(record.path))}`,
    `host=${record.host}`,
    `request_id=${record.requestId ?? '-'}`,
    `fwd=${quote(record.clientIp)}`,
    `instance=${attribution.instanceId ?? '-'}`,
    `connect=${ms(record.connectMs)}`,
    `service=${ms(record.serviceMs)}`,
    `total=${ms(record.totalMs)}`,
    `status=${record.status}`,
    `bytes=${record.bytes}`,
    `protocol=${record.tls ? 'https' : 'http'}`,
  ].join(' ');
}

/** `2xx`, `4xx`...; `none` when no response was sent. */
export function statusClass(status: number): string {
  return status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : 'none';
}

function unescapeQuoted(value: string): string {
  return value.replace(/\\(.)/g, '$1');
}
