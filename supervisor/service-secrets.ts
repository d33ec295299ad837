// The passwords of Slipway's own Redis and registry, and the key that signs the registry's
// tokens: generated on the first start and kept, readable by their owner only, under the state
// dir. The files the components read (the registry's credentials file) are written from them
// at each start, as the registry's address may change between starts.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

async function writePrivate(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, text, { mode: 0o600 });
  await chmod(file, 0o600);
}

/** The secret kept in `file`, generated there (mode 0600) the first time. */
export async function keptSecret(file: string): Promise<string> {
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const secret = randomBytes(24).toString('base64url');
  await writePrivate(file, `${secret}\n`);
  return secret;
}

/** Pure: credential-helper JSON (as `docker-credential-* get` prints it), the format the builder and agents read. */
export function credentialsJson(registry: string, username: string, password: string): string {
  return `${JSON.stringify({ ServerURL: registry, Username: username, Secret: password })}\n`;
}

export const REGISTRY_USERNAME = 'slipway';

/** The key the control plane signs registry tokens with, and its self-signed certificate (the registry's rootcertbundle). */
export interface RegistryTokenKeys {
  keyFile: string;
  certFile: string;
}

export interface PlatformRegistryLogin {
  username: string;
  password: string;
  /** The credentials file the control plane (builds, and the token server's check) and the agents (pulls) read. */
  credentialsFile: string;
  tokenKeys: RegistryTokenKeys;
}

/** Pure: openssl's argv for an ECDSA P-256 key (PKCS#8, no passphrase) and a self-signed certificate for it, valid 100 years. */
export function tokenKeysArgv(keys: RegistryTokenKeys): string[] {
  return [
    'openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-sha256',
    '-days', '36500', '-subj', '/CN=slipway-registry-token', '-keyout', keys.keyFile, '-out', keys.certFile,
  ];
}

/** The token signing key and certificate under `dir`, generated the first time. */
export async function keptTokenKeys(dir: string): Promise<RegistryTokenKeys> {
  const keys = { keyFile: join(dir, 'token-key.pem'), certFile: join(dir, 'token-cert.pem') };
  if (existsSync(keys.keyFile) && existsSync(keys.certFile)) return keys;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const [command, ...args] = tokenKeysArgv(keys);
  await promisify(execFile)(command!, args, { timeout: 30_000 });
  await chmod(keys.keyFile, 0o600);
  return keys;
}

/** A TLS key and self-signed certificate (clients trust the certificate itself). */
export interface TlsCertificate {
  keyFile: string;
  certFile: string;
}

/** Pure: openssl's argv for an ECDSA P-256 key and a self-signed certificate for `names`
 *  (DNS names and IP addresses, as subjectAltName), valid 10 years. */
export function selfSignedArgv(files: TlsCertificate, commonName: string, names: readonly string[]): string[] {
  const alt = names.map((name) => (/^[\d.]+$|:/.test(name) ? `IP:${name}` : `DNS:${name}`)).join(',');
  return [
    'openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-sha256',
    '-days', '3650', '-subj', `/CN=${commonName}`, '-addext', `subjectAltName=${alt}`, '-keyout', files.keyFile, '-out', files.certFile,
  ];
}

/** The rendezvous's TLS certificate under `dir` (for 127.0.0.1 and localhost), made the first time. */
export async function keptRendezvousCertificate(dir: string): Promise<TlsCertificate> {
  const files = { keyFile: join(dir, 'key.pem'), certFile: join(dir, 'cert.pem') };
  if (existsSync(files.keyFile) && existsSync(files.certFile)) return files;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const [command, ...args] = selfSignedArgv(files, 'slipway-rendezvous', ['localhost', '127.0.0.1']);
  await promisify(execFile)(command!, args, { timeout: 30_000 });
  await chmod(files.keyFile, 0o600);
  return files;
}

/** The registry's login under `dir`: its password and token keys kept, its credentials file written for `registry`. */
export async function registryLogin(dir: string, registry: string): Promise<PlatformRegistryLogin> {
  const password = await keptSecret(join(dir, 'password'));
  const credentialsFile = join(dir, 'credentials.json');
  await writePrivate(credentialsFile, credentialsJson(registry, REGISTRY_USERNAME, password));
  return { username: REGISTRY_USERNAME, password, credentialsFile, tokenKeys: await keptTokenKeys(dir) };
}
