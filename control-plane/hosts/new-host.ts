// A new host's identity and its record, shared by HostService.add (hosts the operator asked
// for) and the enrollment issuer (instances the engine group launched on its own): the
// token's hash, its NATS password hash when NATS enforces per-host users, and a record that is
// `down` until its agent registers with those credentials.
import { randomBytes } from 'node:crypto';
import type { Host } from '../../common/types.js';
import type { HostCredentials } from '../../host-providers/provider.js';
import { hashSecret } from '../../common/api-token.js';
import type { HostStore } from '../store/hosts.js';
import { now } from '../store/json.js';
import { natsPasswordHash } from './nats-users.js';

export function newHostId(provider: string): string {
  return `${provider}-${randomBytes(4).toString('hex')}`;
}

export function newHostToken(): string {
  return `slwh_${randomBytes(32).toString('base64url')}`;
}

export function newHostCredentials(provider: string): HostCredentials {
  return { hostId: newHostId(provider), token: newHostToken() };
}

/** Stores the credentials' hashes and saves the host as `down`; the caller syncs NATS users. */
export async function recordNewHost(hosts: HostStore, credentials: HostCredentials, options: { provider: string; natsUsers: boolean }): Promise<Host> {
  await hosts.setTokenHash(credentials.hostId, hashSecret(credentials.token));
  if (options.natsUsers) await hosts.setNatsPasswordHash(credentials.hostId, natsPasswordHash(credentials.token));
  return hosts.save({
    id: credentials.hostId,
    provider: options.provider,
    state: 'down',
    address: '',
    capacity: { memoryMb: 0, cpus: 0 },
    lastHeartbeat: null,
    createdAt: now(),
  });
}
