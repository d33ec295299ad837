// Test support: an auto scaling group in memory, behaving as AWS documents it for what Slipway
// uses. Raising the desired capacity launches instances (Pending, then InService, at which
// point `onLaunch` boots them); lowering it terminates nothing while every instance is
// protected from scale-in; TerminateInstanceInAutoScalingGroup with decrement removes exactly
// that instance; sizes outside min..max and unknown instances are ValidationErrors.
import { randomBytes } from 'node:crypto';
import { AutoScalingError, isLeaving, isLive, type AutoScalingApi, type GroupInstance, type GroupState, type InstanceMembership } from '../auto-scaling.js';

interface FakeInstance extends GroupInstance {
  groupName: string;
}

export interface FakeGroupOptions {
  name: string;
  minSize: number;
  maxSize: number;
  desiredCapacity?: number;
  zones?: string[];
  /** Called when an instance is InService: the test boots it (cloud-init, agent). */
  onLaunch?: (instance: GroupInstance) => void;
  /** Called when an instance starts terminating. */
  onTerminate?: (instance: GroupInstance) => void;
  /** Launches wait for launchHeld() (AWS may take a while to start an instance). */
  holdLaunches?: boolean;
  /** How long a terminating instance stays in the group's descriptions (default 20 ms). */
  terminatingMs?: number;
}

export class FakeAutoScaling implements AutoScalingApi {
  readonly calls: string[] = [];
  private readonly instances = new Map<string, FakeInstance>();
  private desired: number;
  private launched = 0;
  private failures: { operation: keyof AutoScalingApi; error: Error }[] = [];
  private held = 0;

  constructor(private readonly group: FakeGroupOptions) {
    this.desired = 0;
    this.converge(group.desiredCapacity ?? 0);
  }

  /** An instance of some other group in the account (for membership checks). */
  addForeignInstance(groupName: string, lifecycleState = 'InService'): string {
    const instanceId = newInstanceId();
    this.instances.set(instanceId, { instanceId, groupName, lifecycleState, availabilityZone: 'us-east-1a' });
    return instanceId;
  }

  /** Makes the next call of `operation` fail with `error`. */
  failNext(operation: keyof AutoScalingApi, error: Error): void {
    this.failures.push({ operation, error });
  }

  /** Sets an instance's lifecycle state directly (e.g. Standby, or a health replacement). */
  setLifecycle(instanceId: string, lifecycleState: string): void {
    const instance = this.instances.get(instanceId);
    if (!instance) throw new Error(`no instance ${instanceId}`);
    instance.lifecycleState = lifecycleState;
  }

  /** Starts the launches held back so far (with `holdLaunches`). */
  launchHeld(): void {
    const count = this.held;
    this.held = 0;
    for (let i = 0; i < count; i++) this.launch();
  }

  get desiredCapacity(): number {
    return this.desired;
  }

  /** Instances of the group that are starting or running. */
  liveInstances(): GroupInstance[] {
    return [...this.instances.values()].filter((i) => i.groupName === this.group.name && isLive(i.lifecycleState)).map(copy);
  }

  async describeGroup(groupName: string): Promise<GroupState | null> {
    this.enter('describeGroup', groupName);
    if (groupName !== this.group.name) return null;
    return {
      name: this.group.name,
      minSize: this.group.minSize,
      maxSize: this.group.maxSize,
      desiredCapacity: this.desired,
      instances: [...this.instances.values()].filter((i) => i.groupName === this.group.name).map(copy),
    };
  }

  async describeInstance(instanceId: string): Promise<InstanceMembership | null> {
    this.enter('describeInstance', instanceId);
    const instance = this.instances.get(instanceId);
    return instance ? { instanceId, groupName: instance.groupName, lifecycleState: instance.lifecycleState } : null;
  }

  async setDesiredCapacity(groupName: string, desiredCapacity: number): Promise<void> {
    this.enter('setDesiredCapacity', `${groupName} ${desiredCapacity}`);
    if (groupName !== this.group.name) throw new AutoScalingError('SetDesiredCapacity', 'ValidationError', `AutoScalingGroup name not found - ${groupName}`);
    if (desiredCapacity < this.group.minSize) {
      throw new AutoScalingError('SetDesiredCapacity', 'ValidationError', `New SetDesiredCapacity value ${desiredCapacity} is below min value ${this.group.minSize} for the AutoScalingGroup.`);
    }
    if (desiredCapacity > this.group.maxSize) {
      throw new AutoScalingError('SetDesiredCapacity', 'ValidationError', `New SetDesiredCapacity value ${desiredCapacity} is above max value ${this.group.maxSize} for the AutoScalingGroup.`);
    }
    this.converge(desiredCapacity);
  }

  async terminateInstanceAndDecrement(instanceId: string): Promise<void> {
    this.enter('terminateInstanceAndDecrement', instanceId);
    const instance = this.instances.get(instanceId);
    if (!instance || instance.groupName !== this.group.name || instance.lifecycleState === 'Terminated') {
      throw new AutoScalingError('TerminateInstanceInAutoScalingGroup', 'ValidationError', `Instance Id not found - No managed instance found for instance ID: ${instanceId}`);
    }
    if (isLeaving(instance.lifecycleState)) return;
    if (this.desired - 1 < this.group.minSize) {
      throw new AutoScalingError(
        'TerminateInstanceInAutoScalingGroup',
        'ValidationError',
        `Currently, desiredSize equals minSize (${this.group.minSize}). Terminating instance without replacement will violate group's min size constraint.`,
      );
    }
    this.desired--;
    instance.lifecycleState = 'Terminating';
    this.group.onTerminate?.(copy(instance));
    // AWS takes a while; the instance then leaves the group's descriptions.
    setTimeout(() => {
      instance.lifecycleState = 'Terminated';
      this.instances.delete(instanceId);
    }, this.group.terminatingMs ?? 20);
  }

  private converge(desiredCapacity: number): void {
    this.desired = desiredCapacity;
    // Every instance is protected from scale-in (as Slipway's engine group is): fewer desired
    // means none is terminated (and fewer launches still to come); more means launches.
    this.held = Math.min(this.held, Math.max(0, desiredCapacity - this.liveInstances().length));
    const live = this.liveInstances().length + this.held;
    for (let i = live; i < desiredCapacity; i++) {
      if (this.group.holdLaunches) this.held++;
      else this.launch();
    }
  }

  private launch(): void {
    const zones = this.group.zones ?? ['us-east-1a', 'us-east-1b'];
    const instance: FakeInstance = {
      instanceId: newInstanceId(),
      groupName: this.group.name,
      lifecycleState: 'Pending',
      availabilityZone: zones[this.launched++ % zones.length]!,
    };
    this.instances.set(instance.instanceId, instance);
    setImmediate(() => {
      if (instance.lifecycleState !== 'Pending') return;
      instance.lifecycleState = 'InService';
      this.group.onLaunch?.(copy(instance));
    });
  }

  private enter(operation: keyof AutoScalingApi, detail: string): void {
    this.calls.push(`${operation} ${detail}`);
    const index = this.failures.findIndex((f) => f.operation === operation);
    if (index >= 0) throw this.failures.splice(index, 1)[0]!.error;
  }
}

function newInstanceId(): string {
  return `i-${randomBytes(9).toString('hex').slice(0, 17)}`;
}

function copy(instance: FakeInstance): GroupInstance {
  return { instanceId: instance.instanceId, lifecycleState: instance.lifecycleState, availabilityZone: instance.availabilityZone };
}
