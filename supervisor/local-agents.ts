// `ready` means ready for a git push: the control plane answers, the stack is built, and every
// local host's agent serves commands. A generation killed with SIGKILL leaves its app
// containers (and their routes) for the next agent to adopt; until that agent joins, nothing
// here can start, stop or remove them.
import type { HostJson } from '../common/api-shapes.js';

/** Pure: the local hosts whose agent has not heartbeated since `since` (an agent does once it serves commands). */
export function localAgentsNotServing(hosts: readonly Pick<HostJson, 'id' | 'provider' | 'last_heartbeat'>[], since: number): string[] {
  return hosts
    .filter((host) => host.provider === 'local')
    .filter((host) => host.last_heartbeat === null || Date.parse(host.last_heartbeat) < since)
    .map((host) => host.id);
}

/** The local hosts still to join, as the control plane's API lists them (its operator's token). */
export async function localAgentsStillJoining(api: string, adminToken: string, since: number): Promise<string[]> {
  const response = await fetch(`${api}/hosts`, {
    headers: { authorization: `Bearer ${adminToken}`, accept: 'application/vnd.heroku+json; version=3' },
    signal: AbortSignal.timeout(5000),
  });
  if (!response.ok) throw new Error(`GET /hosts answered ${response.status}`);
  return localAgentsNotServing((await response.json()) as HostJson[], since);
}
