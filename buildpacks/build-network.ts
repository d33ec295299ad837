// The network build containers join: Slipway's builds network (egress only, inter-container
// traffic off, no host services; common/networks.ts), ensured once per Docker client and
// again when it went missing.
import type Docker from 'dockerode';
import { BUILDS_NETWORK, IsolatedNetwork } from '../common/networks.js';

const networks = new WeakMap<Docker, IsolatedNetwork>();

/** The builds network of this Docker client. `warn` hears a host that cannot apply the firewall
 *  rule (the first caller's). */
export function buildNetwork(docker: Docker, warn: (message: string) => void = (message) => process.emitWarning(message)): IsolatedNetwork {
  let network = networks.get(docker);
  if (!network) networks.set(docker, (network = new IsolatedNetwork(docker, BUILDS_NETWORK, warn)));
  return network;
}

/** The builds network's id. */
export function ensureBuildNetwork(docker: Docker, warn?: (message: string) => void): Promise<string> {
  return buildNetwork(docker, warn).ensure();
}
