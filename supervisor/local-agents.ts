// `ready` means ready for a git push: the control plane answers, the stack is built, and every
// local host's agent serves commands. A generation killed with SIGKILL leaves its app
// containers (and their routes) for the next agent to adopt; until that agent joins, nothing
// here can start, stop or remove them.
import { setTimeout as sleep } from 'node:timers/promises';
import type { HostJson } from '../common/api-shapes.js';

/** Pure: the local hosts whose agent has not heartbeated since `since` (an agent does once it serves commands). */
export function localAgentsNotServing(hosts: readonly Pick<HostJson, 'id' | 'provider' | 'last_heartbeat'>[], since: number): string[] {
  return hosts
    .filter((host) => host.provider === 'local')
    .filter((host) => host.last_heartbeat === null || Date.parse(host.last_heartbeat) < since)
    .map((host) => host.id);
}

/** The API refused the operator's token: asking again will not help. */
class HostsListRefused extends Error {
  constructor(readonly status: number) {
    super(`GET /hosts answered ${status}`);
    this.name = 'HostsListRefused';
  }
}

/** The local hosts still to join, as the control plane's API lists them (its operator's token). */
async function localAgentsStillJoining(api: string, adminToken: string, since: number): Promise<string[]> {
  const response = await fetch(`${api}/hosts`, {
    headers: { authorization: `Bearer ${adminToken}`, accept: 'application/vnd.heroku+json; version=3' },
    signal: AbortSignal.timeout(5000),
  });
  if (response.status === 401 || response.status === 403) throw new HostsListRefused(response.status);
  if (!response.ok) throw new Error(`GET /hosts answered ${response.status}`);
  return localAgentsNotServing((await response.json()) as HostJson[], since);
}

/** How long a start waits for its local agents before it says ready anyway (and which are missing). */
export const LOCAL_AGENTS_JOIN_MS = 60_000;

/** Waits until every local agent has joined since `since`; past the deadline, or with the token
 *  refused, says so and returns: the platform is up, and the operator sees what is missing. */
export async function waitForLocalAgents(
  options: { api: string; adminToken: string; since: number; adminTokenFile: string; deadlineMs?: number },
  print: (line: string) => void,
): Promise<void> {
  const deadlineMs = options.deadlineMs ?? LOCAL_AGENTS_JOIN_MS;
  const deadline = Date.now() + deadlineMs;
  let missing: string[] | null = null;
  print('waiting for the local agents to join');
  while (Date.now() < deadline) {
    try {
      missing = await localAgentsStillJoining(options.api, options.adminToken, options.since);
    } catch (err) {
      if (err instanceof HostsListRefused) {
        return print(`slipway: cannot see whether the local agents joined: ${err.message} to the admin token in ${options.adminTokenFile} (revoked?)`);
      }
      // the API may be restarting (its supervisor does that): the last answer stands meanwhile
    }
    if (missing?.length === 0) return print('the local agents serve');
    await sleep(200);
  }
  const who = missing ? `the agent of ${missing.join(', ')}` : 'the local agents (the API did not answer)';
  print(`slipway: ${who} did not join within ${deadlineMs / 1000} s: apps there wait for it (its output is above)`);
}
