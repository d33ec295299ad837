// The network build containers join: Slipway's builds network (egress only, inter-container
// traffic off, no host services; common/networks.ts), ensured once per Docker client and
// again when it went missing.
import type Docker from 'dockerode';
import { BUILDS_NETWORK, ensureIsolatedNetwork } from '../common/networks.js';

const ensured = new WeakMap<Docker, Promise<string>>();

/** The builds network's id. `warn` hears a host that cannot apply the firewall rule (first caller's). */
export function ensureBuildNetwork(docker: Docker, warn: (message: string) => void = (message) => process.emitWarning(message)): Promise<string> {
  let id = ensured.get(docker);
  if (!id) {
    id = ensureIsolatedNetwork(docker, BUILDS_NETWORK, warn).catch((err: unknown) => {
      ensured.delete(docker);
      throw err;
    });
    ensured.set(docker, id);
  }
  return id;
}

/** Forgets the ensured network (it was removed behind our back), so the next call creates it again. */
export function forgetBuildNetwork(docker: Docker): void {
  ensured.delete(docker);
}
