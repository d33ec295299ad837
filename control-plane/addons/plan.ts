// Pure decisions about add-ons: where one runs, its generated name and credentials, its URL.
import { randomBytes, randomInt } from 'node:crypto';
import type { AddonServiceName } from '../../common/addons.js';
import type { Host } from '../../common/types.js';
import type { AddonCredentials } from '../store/addons.js';

/** The host a new add-on is pinned to: an up host, the one with the most memory (ties: by id).
 *  Null when no host is up. The add-on stays there: its volume is there. */
export function placeAddon(hosts: readonly Host[]): Host | null {
  const up = hosts.filter((host) => host.state === 'up');
  up.sort((a, b) => b.capacity.memoryMb - a.capacity.memoryMb || a.id.localeCompare(b.id));
  return up[0] ?? null;
}

const WORDS = ['amber', 'arched', 'curved', 'deep', 'fluffy', 'graceful', 'horizontal', 'lively', 'opaque', 'quiet', 'rigid', 'shallow', 'silent', 'solid', 'tapered', 'vertical'];

/** Heroku's style: `postgresql-curved-12345`. */
export function addonName(service: AddonServiceName | (string & {}), random: () => number = Math.random): string {
  const word = WORDS[Math.floor(random() * WORDS.length)]!;
  return `${service}-${word}-${String(Math.floor(random() * 90000) + 10000)}`;
}

/** Fresh credentials: a user and database named after nothing guessable, a 32-character password. */
export function generateCredentials(): AddonCredentials {
  const word = () => `${'abcdefghijklmnopqrstuvwxyz'[randomInt(26)]}${randomBytes(7).toString('hex')}`;
  return { user: `u${word()}`, password: randomBytes(24).toString('base64url'), database: `d${word()}` };
}

/** The URL an app's config var carries: the server by the add-on's name, which the attached apps'
 *  containers reach (its network on the same host, its host's private address from another). */
export function addonUrl(service: AddonServiceName, credentials: AddonCredentials, host: string, port: number): string {
  const password = encodeURIComponent(credentials.password);
  if (service === 'postgresql') return `postgres://${credentials.user}:${password}@${host}:${port}/${credentials.database}`;
  return `redis://:${password}@${host}:${port}`;
}

/** What the agent's server needs in its environment (secrets: only the agent sees them). */
export function serverEnv(service: AddonServiceName, credentials: AddonCredentials): Record<string, string> {
  if (service === 'postgresql') return { ADDON_USER: credentials.user, ADDON_PASSWORD: credentials.password, ADDON_DATABASE: credentials.database };
  return { ADDON_PASSWORD: credentials.password };
}
