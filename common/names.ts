// Naming rules, as pure functions: app names are DNS labels so that `<app>.<apps domain>` works.
import { isIP } from 'node:net';

const APP_NAME = /^[a-z][a-z0-9-]*$/;

/** Returns why `name` is not a valid app name, or null when it is. */
export function appNameProblem(name: unknown): string | null {
  if (typeof name !== 'string') return 'name must be a string';
  if (name.length < 3 || name.length > 30) return 'name must be between 3 and 30 characters long';
  if (!APP_NAME.test(name)) {
    return 'name must start with a letter and may contain only lowercase letters, digits and dashes';
  }
  if (name.endsWith('-')) return 'name must end with a letter or digit';
  return null;
}

const PROCESS_TYPE = /^[a-z][a-z0-9_-]{0,29}$/;

export function processTypeProblem(type: string): string | null {
  return PROCESS_TYPE.test(type)
    ? null
    : 'process type must start with a letter and contain only lowercase letters, digits, dashes and underscores (at most 30)';
}

const HOSTNAME_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Returns why `hostname` is not a valid DNS hostname for a custom domain, or null. */
export function hostnameProblem(hostname: string): string | null {
  if (hostname.length > 253) return 'hostname must be at most 253 characters';
  const labels = hostname.split('.');
  if (labels.length < 2) return 'hostname must have at least two labels';
  if (!labels.every((label) => HOSTNAME_LABEL.test(label))) {
    return 'hostname labels must be 1-63 lowercase letters, digits or dashes, not starting or ending with a dash';
  }
  return null;
}

/** A last label that URL parsers (WHATWG, so browsers and Node's fetch) read as part of an IPv4
 *  address: decimal, or 0x hex (`127.1`, `0x7f.0.0.1` are 127.0.0.1). */
const NUMERIC_LABEL = /^(\d+|0x[0-9a-f]*)$/i;

/** Returns why `hostname` is an IP address (IPv4, IPv6, bracketed or not) rather than a domain
 *  name, or null. Custom domains must be names: an app holding an address would catch every
 *  request sent to the router by its IP. */
export function ipLiteralProblem(hostname: string): string | null {
  const unbracketed = hostname.replace(/^\[(.*)\]$/, '$1');
  const lastLabel = hostname.replace(/\.$/, '').split('.').pop() ?? '';
  if (isIP(unbracketed) === 0 && !NUMERIC_LABEL.test(lastLabel)) return null;
  return `${hostname} is an IP address; a custom domain must be a domain name (e.g. www.example.com)`;
}
