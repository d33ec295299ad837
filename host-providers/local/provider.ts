// `local` hosts: Slipway agent processes on this machine, sharing its Docker Engine. Each has
// its own id, credentials (a token file readable by root only) and capacity, and labels its
// containers with its id, so each agent touches only its own. An agent that dies is started
// again (with backoff), as systemd restarts a machine's agent: it adopts its containers.
import { agentEnvironment } from '../../common/env/agent.js';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { INSTANCE_LABELS } from '../../common/labels.js';
import type { HostCapacity } from '../../common/types.js';
import type { ManagedProcess } from '../../common/managed-process.js';
import { SupervisedProcess } from '../../common/supervised-process.js';
import type { HostCredentials, HostProvider, ProvisionedHost } from '../provider.js';

export interface LocalProviderOptions {
  /** One subdirectory per host: its token and description. */
  dir: string;
  nodePath: string;
  agentEntry: string;
  /** The NATS URL a host's agent uses (it may carry the host's own credentials). */
  natsUrl: (hostId: string, token: string) => string;
  registry: string;
  /** The registry credentials file the agents read at each pull (null or absent: an open registry). */
  registryAuthFile?: string | null;
  capacity: HostCapacity;
  stopInstancesOnExit: boolean;
  heartbeatMs?: number;
  onLine?: (hostId: string, line: string) => void;
  /** Removes whatever containers a host left behind (its agent may have died without cleaning up). */
  removeHostLeftovers?: (hostId: string) => Promise<void>;
}

/** A local host shares this machine's Docker Engine: removing the host removes its containers, as
 *  terminating a machine would. Only containers labeled with that host's id are touched. */
export async function removeLabeledContainers(hostId: string, docker = new Docker()): Promise<void> {
  const containers = await docker.listContainers({ all: true, filters: { label: [`${INSTANCE_LABELS.host}=${hostId}`] } });
  await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => {})));
}

interface HostFile {
  id: string;
  address: string;
  capacity: HostCapacity;
}

/** Pure: the environment one local agent runs with. */
export function agentEnv(options: LocalProviderOptions, host: HostFile, token: string, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    PATH: base.PATH,
    HOME: base.HOME,
    ...agentEnvironment({
      identity: { hostId: host.id, hostToken: token },
      natsUrl: options.natsUrl(host.id, token),
      registry: options.registry,
      registryAuthFile: options.registryAuthFile ?? undefined,
      hostAddress: host.address,
      capacity: host.capacity,
      stopInstancesOnExit: options.stopInstancesOnExit,
      heartbeatMs: options.heartbeatMs,
      exitWithLauncher: true,
      // the operator's range for add-on networks, when set where the platform starts
      addonSubnets: base.SLIPWAY_ADDON_SUBNETS,
    }),
  };
}

export class LocalHostProvider implements HostProvider {
  readonly name = 'local';
  private readonly agents = new Map<string, SupervisedProcess>();

  constructor(private readonly options: LocalProviderOptions) {}

  async addHosts(credentials: readonly HostCredentials[]): Promise<ProvisionedHost[]> {
    const added: ProvisionedHost[] = [];
    for (const { hostId, token } of credentials) {
      const host: HostFile = { id: hostId, address: '127.0.0.1', capacity: this.options.capacity };
      const dir = join(this.options.dir, hostId);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await writeFile(join(dir, 'host.json'), JSON.stringify(host));
      await writeFile(join(dir, 'token'), token, { mode: 0o600 });
      await chmod(join(dir, 'token'), 0o600);
      this.spawn(host, token);
      added.push({ ...host, provider: this.name });
    }
    return added;
  }

  async removeHost(hostId: string): Promise<void> {
    const agent = this.agents.get(hostId);
    this.agents.delete(hostId);
    await agent?.stop(30_000);
    await (this.options.removeHostLeftovers ?? removeLabeledContainers)(hostId);
    await rm(join(this.options.dir, hostId), { recursive: true, force: true });
  }

  async list(): Promise<ProvisionedHost[]> {
    if (!existsSync(this.options.dir)) return [];
    const hosts: ProvisionedHost[] = [];
    for (const id of (await readdir(this.options.dir)).sort()) {
      const file = join(this.options.dir, id, 'host.json');
      if (!existsSync(file)) continue;
      hosts.push({ ...(JSON.parse(await readFile(file, 'utf8')) as HostFile), provider: this.name });
    }
    return hosts;
  }

  /** Starts the agents of hosts created by an earlier run (their credentials are on disk). */
  async resume(): Promise<void> {
    for (const host of await this.list()) {
      if (this.agents.has(host.id)) continue;
      const token = (await readFile(join(this.options.dir, host.id, 'token'), 'utf8')).trim();
      this.spawn(host, token);
    }
  }

  /** The agent process of a host running now, for tests that kill one. */
  agentOf(hostId: string): ManagedProcess | undefined {
    return this.agents.get(hostId)?.process;
  }

  /** Stops every agent (the platform is stopping); hosts stay provisioned. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.agents.values()].map((agent) => agent.stop(60_000)));
    this.agents.clear();
  }

  private spawn(host: HostFile, token: string): void {
    const agent = new SupervisedProcess(
      {
        name: `agent ${host.id}`,
        argv: [this.options.nodePath, this.options.agentEntry],
        env: agentEnv(this.options, host, token, process.env),
        // A control plane killed outright takes its agents with it (they leave the containers
        // for the next control plane's agents to adopt) instead of leaving a second agent per host.
        lifeline: true,
        onLine: (line) => this.options.onLine?.(host.id, line),
      },
      (line) => this.options.onLine?.(host.id, line),
    );
    this.agents.set(host.id, agent);
  }
}
