// Custom domains' TLS certificates: records from the control plane (hostname → cert and
// key), the files HAProxy loads, and the Runtime API commands that swap them live. Pure.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { normalizeHostname } from './route-table.js';
import { token, type RuntimeCommand } from './runtime-commands.js';
import type { StatePaths } from './state-paths.js';

export interface CertificateEntry {
  hostname: string;
  /** Certificate chain then private key, as HAProxy wants them in one file (secret). */
  pem: string;
  digest: string;
}

const record = z.object({ cert: z.string().includes('-----BEGIN'), key: z.string().includes('PRIVATE KEY-----') });
const HOSTNAME = /^(\*\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** Validates one Redis entry; the problem is safe to log (it never quotes the key). */
export function parseCertificateRecord(hostname: string, json: string): CertificateEntry | { problem: string } {
  const name = normalizeHostname(hostname);
  if (!HOSTNAME.test(name) || name.length > 253) return { problem: `certificate hostname ${JSON.stringify(hostname)} is invalid` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return { problem: `certificate for ${name} is not JSON` };
  }
  const result = record.safeParse(parsed);
  if (!result.success) return { problem: `certificate for ${name} needs PEM "cert" and "key"` };
  // HAProxy's `<<` payload ends at an empty line: none may remain inside.
  const pem = `${result.data.cert.trim()}\n${result.data.key.trim()}\n`.replace(/\r/g, '').replace(/\n{2,}/g, '\n');
  return { hostname: name, pem, digest: createHash('sha256').update(pem).digest('hex') };
}

export function certificatePath(paths: StatePaths, hostname: string): string {
  return join(paths.certificatesDir, `${hostname.replace(/^\*\./, '_wildcard.')}.pem`);
}

export type CertificateOp =
  | { type: 'install'; entry: CertificateEntry; isNew: boolean }
  | { type: 'remove'; hostname: string };

/** From the installed digests to the desired entries. */
export function planCertificateChanges(
  desired: ReadonlyMap<string, CertificateEntry>,
  installed: ReadonlyMap<string, string>,
): CertificateOp[] {
  const ops: CertificateOp[] = [];
  for (const [hostname, entry] of [...desired].sort(([a], [b]) => a.localeCompare(b))) {
    const digest = installed.get(hostname);
    if (digest !== entry.digest) ops.push({ type: 'install', entry, isNew: digest === undefined });
  }
  for (const hostname of [...installed.keys()].sort()) {
    if (!desired.has(hostname)) ops.push({ type: 'remove', hostname });
  }
  return ops;
}

export function certificateCommands(op: CertificateOp, paths: StatePaths): RuntimeCommand[] {
  const list = token(paths.crtList);
  if (op.type === 'remove') {
    const file = token(certificatePath(paths, op.hostname));
    return [
      { line: `del ssl crt-list ${list} ${file}`, expect: /deleted/, alreadyDone: /does not exist|not found/ },
      { line: `del ssl cert ${file}`, expect: /deleted/, alreadyDone: /doesn't exist|not found/ },
    ];
  }
  const file = token(certificatePath(paths, op.entry.hostname));
  return [
    ...(op.isNew ? [{ line: `new ssl cert ${file}`, expect: /New empty certificate store/, alreadyDone: /already exists/ }] : []),
    { line: `set ssl cert ${file}`, payload: op.entry.pem, expect: /Transaction (created|updated)/ },
    { line: `commit ssl cert ${file}`, expect: /Success!/ },
    ...(op.isNew
      ? [{ line: `add ssl crt-list ${list}`, payload: crtListLine(paths, op.entry.hostname), expect: /Success!/, alreadyDone: /already/ }]
      : []),
  ];
}

export function crtListLine(paths: StatePaths, hostname: string): string {
  return `${token(certificatePath(paths, hostname))} ${token(hostname)}`;
}

/** The crt-list file HAProxy reads at start and on reload. */
export function renderCrtList(paths: StatePaths, hostnames: Iterable<string>): string {
  return [...hostnames].sort().map((hostname) => `${crtListLine(paths, hostname)}\n`).join('');
}
