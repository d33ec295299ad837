// The part of the EC2 Auto Scaling API that Slipway uses on the engine hosts' group, as a
// small interface: the real client (auto-scaling-sdk.ts) and an in-memory fake
// (fake-auto-scaling.ts) implement it. Lifecycle decisions are pure functions here.
import { SlipwayError } from '../../common/errors.js';

export interface GroupInstance {
  instanceId: string;
  /** `Pending`, `InService`, `Terminating`, ... (AWS's lifecycle states). */
  lifecycleState: string;
  availabilityZone: string;
}

export interface GroupState {
  name: string;
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  instances: GroupInstance[];
}

/** Which group an instance belongs to, and where it is in its life. */
export interface InstanceMembership {
  instanceId: string;
  groupName: string;
  lifecycleState: string;
}

export interface AutoScalingApi {
  /** DescribeAutoScalingGroups for one group; null if there is no such group. */
  describeGroup(groupName: string): Promise<GroupState | null>;
  /** DescribeAutoScalingInstances for one instance; null if no group holds it. */
  describeInstance(instanceId: string): Promise<InstanceMembership | null>;
  /** SetDesiredCapacity (without honouring cooldowns: the operator asked now). */
  setDesiredCapacity(groupName: string, desiredCapacity: number): Promise<void>;
  /** TerminateInstanceInAutoScalingGroup with ShouldDecrementDesiredCapacity=true: no replacement. */
  terminateInstanceAndDecrement(instanceId: string): Promise<void>;
}

/** A failed call; `code` is AWS's error code (e.g. `ValidationError`), or `NetworkError`/`CredentialsError`. */
export class AutoScalingError extends SlipwayError {
  override name = 'AutoScalingError';
  readonly code: string;

  constructor(operation: string, code: string, message: string, cause?: unknown) {
    super('aws_auto_scaling_failed', `auto scaling ${operation} failed (${code}): ${message}`, { status: 502, expose: true, cause });
    this.code = code;
  }
}

/** Pure: an instance that is starting or running (it can hold, or come to hold, a host). */
export function isLive(lifecycleState: string): boolean {
  return lifecycleState === 'InService' || lifecycleState.startsWith('Pending');
}

/** Pure: an instance on its way out of the group, or already out. */
export function isLeaving(lifecycleState: string): boolean {
  return /^(Terminat|Detach)/.test(lifecycleState);
}
