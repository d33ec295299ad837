// Issues a host identity (new-host.ts, as HostService.add does for each new host) for
// instances the engine group launched on its own and that enroll with no pending credential
// waiting.
import type { Logger } from '../../common/logger.js';
import type { HostCredentials } from '../../host-providers/provider.js';
import type { HostStore } from '../store/hosts.js';
import type { CredentialIssuer } from './enrollment.js';
import type { NatsHostUsers } from './nats-users.js';
import { newHostCredentials, recordNewHost } from './new-host.js';

export interface HostIssuerDeps {
  hosts: HostStore;
  natsUsers: NatsHostUsers | null;
  provider: string;
  logger: Logger;
}

export function hostRecordIssuer(deps: HostIssuerDeps): CredentialIssuer {
  return {
    async issue(): Promise<HostCredentials> {
      const credentials = newHostCredentials(deps.provider);
      await recordNewHost(deps.hosts, credentials, { provider: deps.provider, natsUsers: deps.natsUsers !== null });
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
