// What the AWS host provider needs to remember between calls: credentials the control plane
// issued for hosts that no instance has taken yet ("pending"), and which instance holds which
// host once it enrolled. The control plane keeps it in Redis (control-plane/hosts/
// redis-host-ledger.ts), where its enrollment handler takes pending credentials atomically.
import type { HostCredentials } from '../provider.js';

export interface EnrolledHost {
  hostId: string;
  instanceId: string;
  /** The private address the instance reported from IMDS when it enrolled. */
  address: string;
}

export class HostLedgerError extends Error {
  override name = 'HostLedgerError';
}

export interface HostLedger {
  /** Keeps credentials until instances enroll with them; a host id already known is an error. */
  addPending(credentials: readonly HostCredentials[]): Promise<void>;
  /** Drops a host's credentials if no instance took them; true if they were pending. */
  removePending(hostId: string): Promise<boolean>;
  /** The instance that enrolled as this host, or null. */
  enrolledHost(hostId: string): Promise<EnrolledHost | null>;
  enrolled(): Promise<EnrolledHost[]>;
  /** Retires an instance that holds no host, so it can never enroll; false if it holds one or is retired. */
  retireInstance(instanceId: string): Promise<boolean>;
  /** Forgets an enrolled host; its instance is retired, so it cannot enroll again. */
  forget(hostId: string): Promise<void>;
}
