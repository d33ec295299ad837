// The operator's view of hosts: add, drain, remove, through a host provider; each new host
// gets its own credentials, revoked when it is removed.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../common/logger.js';
import type { Host } from '../../common/types.js';
import type { HostProvider } from '../../host-providers/provider.js';
import { newHostCredentials, recordNewHost } from './new-host.js';
import type { NatsHostUsers } from './nats-users.js';
import type { Converger } from '../converger.js';
import type { HostStore } from '../store/hosts.js';
import type { InstanceStore } from '../store/instances.js';

export interface HostServiceDeps {
  hosts: HostStore;
  instances: InstanceStore;
  converger: Converger;
  provider: HostProvider;
  /** Per-host NATS users, when NATS enforces them. */
  natsUsers: NatsHostUsers | null;
  logger: Logger;
  drainTimeoutMs?: number;
}

export class HostService {
  private readonly draining = new Map<string, Promise<void>>();

  constructor(private readonly deps: HostServiceDeps) {}

  get providerName(): string {
    return this.deps.provider.name;
  }

  async add(count: number): Promise<Host[]> {
    const credentials = Array.from({ length: count }, () => newHostCredentials(this.deps.provider.name));
    const records: Host[] = [];
    for (const hostCredentials of credentials) {
      records.push(await recordNewHost(this.deps.hosts, hostCredentials, { provider: this.deps.provider.name, natsUsers: this.deps.natsUsers !== null }));
    }
    try {
      await this.deps.natsUsers?.sync();
      const provisioned = await this.deps.provider.addHosts(credentials);
      for (const host of provisioned) {
        const index = records.findIndex((r) => r.id === host.id);
        // The agent may have registered meanwhile: fill in only what it has not reported.
        const current = await this.deps.hosts.get(host.id);
        if (index === -1 || !current) continue;
        records[index] = current.lastHeartbeat ? current : await this.deps.hosts.save({ ...current, address: host.address, capacity: host.capacity });
      }
    } catch (err) {
      for (const { hostId } of credentials) await this.deps.hosts.remove(hostId);
      await this.deps.natsUsers?.sync();
      throw err;
    }
    this.deps.logger.info({ hosts: records.map((h) => h.id) }, 'hosts added');
    return records;
  }

  /** Drains in the background: instances move elsewhere first, then the host is removed. */
  drainAndRemove(hostId: string): Promise<void> {
    const existing = this.draining.get(hostId);
    if (existing) return existing;
    const work = this.drain(hostId)
      .catch((err: unknown) => this.deps.logger.error({ err, host: hostId }, 'drain failed'))
      .finally(() => this.draining.delete(hostId));
    this.draining.set(hostId, work);
    return work;
  }

  private async drain(hostId: string): Promise<void> {
    const host = await this.deps.hosts.get(hostId);
    if (!host) return;
    if (host.state !== 'down') await this.deps.hosts.save({ ...host, state: 'draining' });
    this.deps.logger.info({ host: hostId }, 'draining host');
    const deadline = Date.now() + (this.deps.drainTimeoutMs ?? 5 * 60_000);
    while (Date.now() < deadline) {
      await this.deps.converger.convergeAll();
      const remaining = (await this.deps.instances.listForHost(hostId)).filter((i) => i.state !== 'down');
      if (remaining.length === 0 || (await this.deps.hosts.get(hostId))?.state === 'down') break;
      await sleep(500);
    }
    await this.remove(hostId);
  }

  async remove(hostId: string): Promise<void> {
    await this.deps.provider.removeHost(hostId);
    for (const instance of await this.deps.instances.listForHost(hostId)) await this.deps.instances.remove(instance);
    await this.deps.hosts.remove(hostId);
    await this.deps.natsUsers?.sync();
    this.deps.logger.info({ host: hostId }, 'host removed, credentials revoked');
    await this.deps.converger.convergeAll();
  }
}
