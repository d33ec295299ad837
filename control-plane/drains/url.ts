// Pure: which drain URLs are accepted, and where they lead. Heroku's schemes (syslog:// over TCP,
// syslog+tls://, https://) plus syslog+udp://; http:// only where the operator allows it.
import { isIP } from 'node:net';
import { InvalidParamsError } from '../../common/errors.js';
import type { AddressPolicy } from './addresses.js';

export type DrainKind = 'syslog' | 'syslog+tls' | 'syslog+udp' | 'https' | 'http';

export interface DrainTarget {
  kind: DrainKind;
  /** a name or an IP literal (without brackets) */
  host: string;
  port: number;
  url: URL;
}

export interface DrainUrlPolicy {
  allowHttp: boolean;
  addresses: AddressPolicy;
}

const DEFAULT_PORTS: Record<DrainKind, number> = { syslog: 514, 'syslog+udp': 514, 'syslog+tls': 6514, https: 443, http: 80 };
const MAX_URL_LENGTH = 2048;

/** Where `raw` leads, or a 422 saying why it is not a drain URL. */
export function parseDrainUrl(raw: string, policy: DrainUrlPolicy): DrainTarget {
  const refuse = (why: string): never => {
    throw new InvalidParamsError(`Url is invalid: ${why}`);
  };
  if (raw.length > MAX_URL_LENGTH) refuse(`longer than ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse('not a URL');
  }
  const kind = url.protocol.slice(0, -1) as DrainKind;
  if (!(kind in DEFAULT_PORTS)) refuse('use syslog://, syslog+tls://, syslog+udp:// or https://');
  if (kind === 'http' && !policy.allowHttp) refuse('plain http:// is not allowed here; use https://');
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === '') refuse('it names no host');
  if (kind.startsWith('syslog') && (url.pathname.replace(/^\/$/, '') !== '' || url.search !== '')) refuse('a syslog URL is a host and a port only');
  const port = url.port === '' ? DEFAULT_PORTS[kind] : Number(url.port);
  if (port === 0) refuse('port 0');
  // Names are checked once resolved, at each connection; addresses and localhost right away.
  const literal = host === 'localhost' || host.endsWith('.localhost') ? '127.0.0.1' : isIP(host) ? host : null;
  if (literal && !policy.addresses.permits(literal)) refuse(`${host} is an internal address`);
  return { kind, host, port, url };
}

/** The URL without its credentials, for logs (a drain URL may carry a password). */
export function redactedUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.username || url.password) {
      url.username = url.username ? '***' : '';
      url.password = url.password ? '***' : '';
    }
    return url.toString();
  } catch {
    return '(invalid URL)';
  }
}
