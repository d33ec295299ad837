// The `aws` host provider: engine hosts are the instances of one auto scaling group, all
// launched from one hardened launch template that carries the shared enrollment secret, never
// a host's own token. addHosts keeps the credentials the control plane issued as pending (in
// the ledger) and raises the group's desired capacity by their number; each new instance
// enrolls (control-plane/hosts/enrollment.ts) and is bound to one of them. removeHost ends
// exactly that host's instance (TerminateInstanceInAutoScalingGroup, decrementing the desired
// capacity, so nothing replaces it). Changes of the group's size run one at a time.
import { SlipwayError } from '../../common/errors.js';
import { HOST_ID } from '../../common/enrollment.js';
import { silentLogger, type Logger } from '../../common/logger.js';
import type { HostCapacity } from '../../common/types.js';
import type { HostCredentials, HostProvider, ProvisionedHost } from '../provider.js';
import { isLeaving, isLive, type AutoScalingApi, type GroupState } from './auto-scaling.js';
import type { EnrolledHost, HostLedger } from './host-ledger.js';

export class HostProvisioningError extends SlipwayError {
  override name = 'HostProvisioningError';
  constructor(message: string, cause?: unknown) {
    super('host_provisioning_failed', message, { status: 502, expose: true, cause });
  }
}

export interface AwsHostProviderOptions {
  autoScaling: AutoScalingApi;
  ledger: HostLedger;
  /** The engine hosts' auto scaling group. */
  groupName: string;
  /** What one engine host offers (its instance type's memory and vCPUs). */
  capacity: HostCapacity;
  /** How long addHosts waits for the new instances to boot and enroll. */
  enrollTimeoutMs: number;
  pollMs?: number;
  logger?: Logger;
}

/** Pure: the group's desired capacity after adding `count` hosts, or why it cannot grow. */
export function grownCapacity(group: Pick<GroupState, 'desiredCapacity' | 'maxSize'>, count: number): number {
  const wanted = group.desiredCapacity + count;
  if (wanted > group.maxSize) {
    throw new HostProvisioningError(
      `the engine group holds at most ${group.maxSize} hosts (slipway:engineMax) and wants ${group.desiredCapacity} already: cannot add ${count}`,
    );
  }
  return wanted;
}

/** Pure: enrolled hosts whose instance is still starting or running in the group. */
export function runningHosts(group: GroupState, enrolled: readonly EnrolledHost[], capacity: HostCapacity): ProvisionedHost[] {
  const live = new Set(group.instances.filter((i) => isLive(i.lifecycleState)).map((i) => i.instanceId));
  return enrolled
    .filter((host) => live.has(host.instanceId))
    .map((host) => ({ id: host.hostId, provider: 'aws', address: host.address, capacity: { ...capacity } }));
}

export class AwsHostProvider implements HostProvider {
  readonly name = 'aws';
  private readonly logger: Logger;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: AwsHostProviderOptions) {
    this.logger = options.logger ?? silentLogger();
  }

  async addHosts(credentials: readonly HostCredentials[]): Promise<ProvisionedHost[]> {
    if (credentials.length === 0) return [];
    const ids = credentials.map((c) => c.hostId);
    for (const id of ids) if (!HOST_ID.test(id)) throw new HostProvisioningError(`bad host id: ${id}`);
    if (new Set(ids).size !== ids.length) throw new HostProvisioningError('the same host id was given twice');

    await this.exclusively(async () => {
      const wanted = grownCapacity(await this.group(), credentials.length);
      try {
        await this.options.ledger.addPending(credentials);
      } catch (err) {
        throw new HostProvisioningError(`could not add hosts ${ids.join(', ')}`, err);
      }
      try {
        await this.options.autoScaling.setDesiredCapacity(this.options.groupName, wanted);
      } catch (err) {
        for (const id of ids) await this.options.ledger.removePending(id);
        throw new HostProvisioningError(`could not grow the engine group for hosts ${ids.join(', ')}`, err);
      }
      this.logger.info({ hosts: ids, desiredCapacity: wanted }, 'engine group grown; waiting for the new instances to enroll');
    });

    try {
      const enrolled = await this.waitForEnrollment(ids);
      return enrolled.map((host) => ({ id: host.hostId, provider: this.name, address: host.address, capacity: { ...this.options.capacity } }));
    } catch (err) {
      // The caller revokes these credentials now: leave no instance or pending entry for them.
      await this.exclusively(async () => {
        for (const id of ids) await this.remove(id).catch((cleanupErr: unknown) => this.logger.error({ err: cleanupErr, host: id }, 'could not clean up a host that did not enroll'));
      });
      throw err;
    }
  }

  removeHost(hostId: string): Promise<void> {
    return this.exclusively(() => this.remove(hostId));
  }

  async list(): Promise<ProvisionedHost[]> {
    return runningHosts(await this.group(), await this.options.ledger.enrolled(), this.options.capacity);
  }

  private async remove(hostId: string): Promise<void> {
    const { ledger } = this.options;
    const enrolled = await ledger.enrolledHost(hostId);
    if (enrolled) {
      await this.terminate(enrolled.instanceId, hostId);
      await ledger.forget(hostId);
      this.logger.info({ host: hostId, instanceId: enrolled.instanceId }, 'engine host terminated');
      return;
    }
    if (!(await ledger.removePending(hostId))) return; // unknown, or removed already
    // The instance launched for it may be booting: take one that holds no host out instead.
    const group = await this.group();
    if (group.desiredCapacity <= group.minSize) {
      // At its minimum the group keeps every instance; one that boots for it will be adopted.
      this.logger.warn({ host: hostId, minSize: group.minSize }, 'pending engine host removed; the engine group stays at its minimum size');
      return;
    }
    const holding = new Set((await ledger.enrolled()).map((h) => h.instanceId));
    for (const instance of group.instances.filter((i) => isLive(i.lifecycleState) && !holding.has(i.instanceId))) {
      if (await ledger.retireInstance(instance.instanceId)) {
        await this.terminate(instance.instanceId, hostId);
        this.logger.info({ host: hostId, instanceId: instance.instanceId }, 'pending engine host removed with an instance that had not enrolled');
        return;
      }
    }
    await this.options.autoScaling.setDesiredCapacity(this.options.groupName, group.desiredCapacity - 1);
    this.logger.info({ host: hostId }, 'pending engine host removed before any instance took it');
  }

  /** Ends one instance without replacement; an instance already gone or going is fine. */
  private async terminate(instanceId: string, hostId: string): Promise<void> {
    const { autoScaling, groupName } = this.options;
    const before = await autoScaling.describeInstance(instanceId);
    if (!before || before.groupName !== groupName || isLeaving(before.lifecycleState)) return;
    const group = await this.group();
    if (group.desiredCapacity <= group.minSize) {
      throw new HostProvisioningError(
        `cannot remove host ${hostId}: the engine group is at its minimum size (${group.minSize}, slipway:engineMin); lower engineMin first`,
      );
    }
    try {
      await autoScaling.terminateInstanceAndDecrement(instanceId);
    } catch (err) {
      const after = await autoScaling.describeInstance(instanceId).catch(() => before);
      if (!after || isLeaving(after.lifecycleState)) return;
      throw new HostProvisioningError(`could not terminate instance ${instanceId} of host ${hostId}`, err);
    }
  }

  private async waitForEnrollment(ids: readonly string[]): Promise<EnrolledHost[]> {
    const deadline = Date.now() + this.options.enrollTimeoutMs;
    const found = new Map<string, EnrolledHost>();
    for (;;) {
      for (const id of ids) {
        if (found.has(id)) continue;
        const host = await this.options.ledger.enrolledHost(id);
        if (host) found.set(id, host);
      }
      if (found.size === ids.length) return ids.map((id) => found.get(id)!);
      if (Date.now() >= deadline) {
        const missing = ids.filter((id) => !found.has(id));
        throw new HostProvisioningError(`hosts ${missing.join(', ')} did not enroll within ${Math.round(this.options.enrollTimeoutMs / 1000)} s`);
      }
      await new Promise((done) => setTimeout(done, this.options.pollMs ?? 1000));
    }
  }

  private async group(): Promise<GroupState> {
    const group = await this.options.autoScaling.describeGroup(this.options.groupName);
    if (!group) throw new HostProvisioningError(`there is no auto scaling group ${this.options.groupName}`);
    return group;
  }

  private exclusively<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.tail.then(operation, operation);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
