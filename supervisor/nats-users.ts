// The platform's own NATS users (control plane, router): passwords generated on the first
// start and kept, root-readable only, under the state dir.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { platformNatsUsers, renderNatsAuthorization } from '../common/nats-auth.js';

export interface PlatformNatsPasswords {
  controlPlane: string;
  router: string;
}

export async function platformNatsPasswords(file: string): Promise<PlatformNatsPasswords> {
  if (existsSync(file)) return JSON.parse(await readFile(file, 'utf8')) as PlatformNatsPasswords;
  const passwords = { controlPlane: randomBytes(24).toString('base64url'), router: randomBytes(24).toString('base64url') };
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(passwords), { mode: 0o600 });
  return passwords;
}

/** The authorization NATS starts with before the control plane adds the hosts' users. */
export function initialAuthorization(passwords: PlatformNatsPasswords): string {
  return renderNatsAuthorization(platformNatsUsers(passwords));
}
