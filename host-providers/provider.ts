// One interface for every way of getting hosts (machines running Docker Engine and the
// Slipway agent). Implementations: `local` (agent processes on this machine) and `aws`
// (Pulumi). Every implementation must pass host-providers/testing/conformance.ts.
import type { HostCapacity } from '../common/types.js';

/** What the control plane issues for a new host before the provider starts it. */
export interface HostCredentials {
  hostId: string;
  /** Secret the agent presents when it joins; the control plane keeps only its hash. */
  token: string;
}

export interface ProvisionedHost {
  id: string;
  provider: string;
  /** Private address the host publishes container ports on. */
  address: string;
  capacity: HostCapacity;
}

export interface HostProvider {
  readonly name: string;
  /** Starts one host per credentials entry; each host joins with its own credentials. */
  addHosts(credentials: readonly HostCredentials[]): Promise<ProvisionedHost[]>;
  /** Stops and removes a host (the caller has drained it first). Idempotent. */
  removeHost(hostId: string): Promise<void>;
  /** The hosts this provider currently runs. */
  list(): Promise<ProvisionedHost[]>;
}
