// Checks a TLS certificate a user uploads for their custom domains: a parseable chain, a
// private key that matches it, not expired, and which of the app's hostnames it covers.
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { InvalidParamsError } from '../../common/errors.js';

export interface CheckedCertificate {
  /** DNS names the certificate is valid for (wildcards as `*.example.com`). */
  names: string[];
  /** Which of the app's hostnames it covers. */
  covers: string[];
  expiresAt: string;
  startsAt: string;
  fingerprint: string;
  /** The leaf's issuer and subject, as Heroku shows them (`/CN=...`). */
  issuer: string;
  subject: string;
  /** Whether the chain leads to a root this machine trusts (Node's root certificates). */
  caSigned: boolean;
}

/** `CN=a\nO=b` (Node's form) as Heroku writes names: `/CN=a/O=b`. */
function distinguishedName(name: string): string {
  return name
    .split('\n')
    .filter(Boolean)
    .map((part) => `/${part}`)
    .join('');
}

let trustedRoots: X509Certificate[] | null = null;

/** Whether the chain (leaf first) ends in a certificate issued by a trusted root, or is one. */
function chainsToTrustedRoot(chain: readonly X509Certificate[]): boolean {
  trustedRoots ??= rootCertificates.map((pem) => new X509Certificate(pem));
  for (let i = 0; i + 1 < chain.length; i++) {
    if (!chain[i]!.checkIssued(chain[i + 1]!) || !chain[i]!.verify(chain[i + 1]!.publicKey)) return false;
  }
  const top = chain[chain.length - 1]!;
  return trustedRoots.some((root) => root.fingerprint256 === top.fingerprint256 || (top.checkIssued(root) && top.verify(root.publicKey)));
}

/** The certificates of a PEM chain, in order. */
function pemCertificates(chainPem: string): X509Certificate[] {
  return (chainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((pem) => new X509Certificate(pem));
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
  let chain: X509Certificate[] = [leaf];
  try {
    chain = pemCertificates(chainPem);
  } catch {
    throw new InvalidParamsError('certificate_chain has a certificate that does not parse.');
  }
  return {
    names,
    covers,
    expiresAt: new Date(leaf.validTo).toISOString(),
    startsAt: new Date(leaf.validFrom).toISOString(),
    fingerprint: createHash('sha256').update(leaf.raw).digest('hex'),
    issuer: distinguishedName(leaf.issuer),
    subject: distinguishedName(leaf.subject),
    caSigned: chainsToTrustedRoot(chain),
  };
}
