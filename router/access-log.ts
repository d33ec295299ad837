// HAProxy's access log lines (LOG_FORMAT in haproxy-config.ts) and the Heroku-style line each
// becomes in the app's log stream. HAProxy writes the Heroku-style line itself, after the few
// fields the controller needs (which app and instance, when, and whether the request went
// normally): for a request that went normally the controller only adds `at=info` and the
// instance, without reading the line field by field. Failed requests (an error code to find, `-`
// for timers HAProxy could not measure) are read in full and written by formatAccessLine. This
// runs once per request: no regular expressions, no arrays, one object per line.
import { PAGES } from './pages.js';

/*
 * A line is `<backend> <server> <unix ms> <termination> <code> <heroku>` where heroku is
 * `method=... path="..." host=... request_id=... fwd="..." connect=<Tc>ms service=<Tr>ms
 * total=<Ta>ms status=<status> bytes=<bytes> protocol=<http|https>` (HAProxy writes -1 for a
 * timer it could not measure).
 */
/** Where HAProxy's timers start: the instance goes before it. Nothing the client sends comes after it. */
const TIMERS = ' connect=';

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

/** What the controller reads of every line; the rest it copies. */
export interface AccessLine {
  message: string;
  backend: string;
  /** HAProxy server name, null when no backend server was chosen. */
  server: string | null;
  acceptedAtMs: number;
  status: number;
  bytes: number;
  totalMs: number | null;
  /** The request went normally (a server answered below 400, nothing cut short, every timer measured): HAProxy's line is final. */
  normal: boolean;
  /** Where `method=` starts and where the timers start. */
  restStart: number;
  timersStart: number;
}

/** The integer after `label` (searched from `from`), null for HAProxy's -1; NaN when missing. */
function integerAfter(message: string, label: string, from: number): number | null {
  const at = message.indexOf(label, from);
  if (at === -1) return Number.NaN;
  let i = at + label.length;
  if (message.charCodeAt(i) === 45 /* - */) return null;
  let value = 0;
  const start = i;
  for (let c = message.charCodeAt(i); c >= 48 && c <= 57; c = message.charCodeAt(++i)) value = value * 10 + (c - 48);
  return i === start ? Number.NaN : value;
}

/** Reads one log message's leading fields and the figures metrics need; null when it is not an access log line of ours. */
export function readAccessLine(message: string): AccessLine | null {
  const s1 = message.indexOf(' ');
  const s2 = message.indexOf(' ', s1 + 1);
  const s3 = message.indexOf(' ', s2 + 1);
  const s4 = message.indexOf(' ', s3 + 1);
  const s5 = message.indexOf(' ', s4 + 1);
  if (s1 <= 0 || s5 === -1 || !message.startsWith('method=', s5 + 1)) return null;
  const timersStart = message.lastIndexOf(TIMERS);
  if (timersStart < s5) return null;
  const acceptedAtMs = Number(message.slice(s2 + 1, s3));
  const status = integerAfter(message, ' status=', timersStart);
  const totalMs = integerAfter(message, ' total=', timersStart);
  const bytes = integerAfter(message, ' bytes=', timersStart);
  if (!Number.isFinite(acceptedAtMs) || Number.isNaN(status) || Number.isNaN(totalMs) || Number.isNaN(bytes)) return null;
  const server = message.charCodeAt(s1 + 1) === 60 /* < */ ? null : message.slice(s1 + 1, s2);
  const normal =
    server !== null &&
    status !== null &&
    status < 400 &&
    s4 - s3 === 5 &&
    message.startsWith('----', s3 + 1) &&
    s5 - s4 === 2 &&
    message.charCodeAt(s4 + 1) === 45 /* - */ &&
    message.indexOf('=-', timersStart) === -1;
  return {
    message,
    backend: message.slice(0, s1),
    server,
    acceptedAtMs,
    status: status ?? -1,
    bytes: Math.max(0, bytes ?? 0),
    totalMs,
    normal,
    restStart: s5 + 1,
    timersStart,
  };
}

/** Every field of a line, for failed requests (and tests). */
export function accessRecord(line: AccessLine): AccessRecord {
  const { message, timersStart } = line;
  const s3 = message.indexOf(' ', message.indexOf(' ', line.backend.length + 1) + 1);
  const s4 = message.indexOf(' ', s3 + 1);
  const code = message.slice(s4 + 1, line.restStart - 1);
  return {
    backend: line.backend,
    server: line.server,
    acceptedAtMs: line.acceptedAtMs,
    status: line.status,
    bytes: line.bytes,
    connectMs: integerAfter(message, ' connect=', timersStart),
    serviceMs: integerAfter(message, ' service=', timersStart),
    totalMs: line.totalMs,
    termination: message.slice(s3 + 1, s4),
    code: code === '-' ? null : code,
    tls: message.endsWith(' protocol=https'),
    rest: message.slice(line.restStart, timersStart),
  };
}

/** Parses one log message in full; null when it is not an access log line of ours. */
export function parseAccessLog(message: string): AccessRecord | null {
  const line = readAccessLine(message);
  return line && accessRecord(line);
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

/** The line for the app's log stream: HAProxy's own when the request went normally, with the instance put in. */
export function herokuLine(line: AccessLine, attribution: Attribution): string {
  if (!line.normal) return formatAccessLine(accessRecord(line), attribution);
  const { message } = line;
  return `at=info ${message.slice(line.restStart, line.timersStart)} instance=${attribution.instanceId ?? '-'}${message.slice(line.timersStart)}`;
}

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
