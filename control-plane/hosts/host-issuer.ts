// Issues a host identity the way HostService.add does for each new host (a record that is
// `down` until its agent registers, the token's hash, its NATS user), for instances the
// engine group launched on its own and that enroll with no pending credential waiting.
import type { Logger } from '../../common/logger.js';
import type { HostCredentials } from '../../provisioner/provider.js';
import { hashSecret } from '../auth/tokens.js';
import type { HostStore } from '../store/hosts.js';
import { now } from '../store/json.js';
import type { CredentialIssuer } from './enrollment.js';
import { natsPasswordHash, type NatsHostUsers } from './nats-users.js';
import { newHostId, newHostToken } from './service.js';

export interface HostIssuerDeps {
  hosts: HostStore;
  natsUsers: NatsHostUsers | null;
  provider: string;
  logger: Logger;
}

export function hostRecordIssuer(deps: HostIssuerDeps): CredentialIssuer {
  return {
    async issue(): Promise<HostCredentials> {
      const credentials = { hostId: newHostId(deps.provider), token: newHostToken() };
      await deps.hosts.setTokenHash(credentials.hostId, hashSecret(credentials.token));
      if (deps.natsUsers) await deps.hosts.setNatsPasswordHash(credentials.hostId, natsPasswordHash(credentials.token));
      await deps.hosts.save({
        id: credentials.hostId,
        provider: deps.provider,
        state: 'down',
        address: '',
        capacity: { memoryMb: 0, cpus: 0 },
        lastHeartbeat: null,
        createdAt: now(),
      });
      // Its agent connects as its own NATS user right after enrolling.
      await deps.natsUsers?.sync();
      deps.logger.info({ host: credentials.hostId }, 'host identity issued for an instance the group launched');
      return credentials;
    },
    async revoke(hostId: string): Promise<void> {
      await deps.hosts.remove(hostId);
      await deps.natsUsers?.sync();
    },
  };
}
