// The passwords of Slipway's own Redis and registry: generated on the first start and kept,
// readable by their owner only, under the state dir. The files the services and the
// components read (the registry's htpasswd, the credentials file) are written from them at
// each start, as the registry's address may change between starts.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import bcrypt from 'bcryptjs';
import type { RegistryLogin } from './services.js';

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

/** Pure: one htpasswd line. bcrypt's lowest cost: distribution checks the hash on every request,
 *  and a 192-bit random password needs no slow hash to resist guessing. */
export function htpasswdLine(username: string, password: string): string {
  return `${username}:${bcrypt.hashSync(password, 4)}\n`;
}

/** Pure: credential-helper JSON (as `docker-credential-* get` prints it), the format the builder and agents read. */
export function credentialsJson(registry: string, username: string, password: string): string {
  return `${JSON.stringify({ ServerURL: registry, Username: username, Secret: password })}\n`;
}

export const REGISTRY_USERNAME = 'slipway';

export interface PlatformRegistryLogin extends RegistryLogin {
  /** The credentials file the control plane (builds) and the agents (pulls) read. */
  credentialsFile: string;
}

/** The registry's login under `dir`: its password kept, its htpasswd and credentials file written for `registry`. */
export async function registryLogin(dir: string, registry: string): Promise<PlatformRegistryLogin> {
  const password = await keptSecret(join(dir, 'password'));
  const htpasswdFile = join(dir, 'htpasswd');
  const credentialsFile = join(dir, 'credentials.json');
  await writePrivate(htpasswdFile, htpasswdLine(REGISTRY_USERNAME, password));
  await writePrivate(credentialsFile, credentialsJson(registry, REGISTRY_USERNAME, password));
  return { username: REGISTRY_USERNAME, password, htpasswdFile, credentialsFile };
}
