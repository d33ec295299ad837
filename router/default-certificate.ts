// The apps domain's default certificate: self-signed, made once with the openssl binary
// (node's crypto cannot issue X.509 certificates) when the operator configured none.
import { spawnSync } from 'node:child_process';
import { access, chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RouterError } from './errors.js';

export function selfSignedCertificateArgv(domain: string, keyPath: string, certPath: string, days = 825): string[] {
  return [
    'openssl', 'req', '-x509',
    '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-nodes', '-days', String(days),
    '-subj', `/CN=${domain}`,
    '-addext', `subjectAltName=DNS:${domain},DNS:*.${domain}`,
    '-keyout', keyPath, '-out', certPath,
  ];
}

/** Makes `pemPath` (cert + key) for `domain` unless it already exists. Returns whether it made one. */
export async function ensureDefaultCertificate(pemPath: string, domain: string): Promise<boolean> {
  if (await access(pemPath).then(() => true, () => false)) return false;
  const dir = await mkdtemp(join(tmpdir(), 'slipway-router-cert-'));
  try {
    const keyPath = join(dir, 'key.pem');
    const certPath = join(dir, 'cert.pem');
    const [command, ...args] = selfSignedCertificateArgv(domain, keyPath, certPath) as [string, ...string[]];
    const result = spawnSync(command, args, { encoding: 'utf8' });
    if (result.error || result.status !== 0) {
      throw new RouterError(`openssl could not make the default certificate for ${domain}: ${(result.stderr ?? '').trim().slice(0, 300)}`, {
        cause: result.error,
      });
    }
    const pem = `${(await readFile(certPath, 'utf8')).trim()}\n${(await readFile(keyPath, 'utf8')).trim()}\n`;
    await writeFile(pemPath, pem, { mode: 0o600 });
    await chmod(pemPath, 0o600);
    return true;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
