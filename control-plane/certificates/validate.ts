// Checks a TLS certificate a user uploads for their custom domains: a parseable chain, a
// private key that matches it, not expired, and which of the app's hostnames it covers.
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { InvalidParamsError } from '../../common/errors.js';

export interface CheckedCertificate {
  /** DNS names the certificate is valid for (wildcards as `*.example.com`). */
  names: string[];
  /** Which of the app's hostnames it covers. */
  covers: string[];
  expiresAt: string;
  fingerprint: string;
}

/** Pure: whether certificate name `pattern` (maybe a wildcard) covers `hostname`. */
export function nameCovers(pattern: string, hostname: string): boolean {
  if (!pattern.startsWith('*.')) return pattern === hostname;
  const suffix = pattern.slice(1);
  const head = hostname.slice(0, -suffix.length);
  return hostname.endsWith(suffix) && head.length > 0 && !head.includes('.');
}

/** Pure: DNS names from an X.509 subjectAltName string (`DNS:a.example, DNS:*.b.example`). */
export function dnsNames(subjectAltName: string | undefined): string[] {
  if (!subjectAltName) return [];
  return subjectAltName
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.startsWith('DNS:'))
    .map((part) => part.slice(4).toLowerCase());
}

/** Validates a chain and key against the app's hostnames; errors never quote the key. */
export function checkCertificate(chainPem: string, keyPem: string, appHostnames: readonly string[], now = new Date()): CheckedCertificate {
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(chainPem);
  } catch {
    throw new InvalidParamsError('certificate_chain is not a PEM certificate.');
  }
  let matches = false;
  try {
    matches = leaf.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    throw new InvalidParamsError('private_key is not a PEM private key.');
  }
  if (!matches) throw new InvalidParamsError('private_key does not match the certificate.');
  if (new Date(leaf.validTo) <= now) throw new InvalidParamsError(`The certificate expired on ${new Date(leaf.validTo).toISOString()}.`);
  const names = dnsNames(leaf.subjectAltName);
  const covers = appHostnames.filter((hostname) => names.some((name) => nameCovers(name, hostname)));
  if (covers.length === 0) {
    throw new InvalidParamsError(
      `The certificate (${names.join(', ') || 'no DNS names'}) covers none of the app's custom domains (${appHostnames.join(', ') || 'none yet: add one first'}).`,
    );
  }
  return {
    names,
    covers,
    expiresAt: new Date(leaf.validTo).toISOString(),
    fingerprint: createHash('sha256').update(leaf.raw).digest('hex'),
  };
}
