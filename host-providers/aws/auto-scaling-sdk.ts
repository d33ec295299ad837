// The real AutoScalingApi: AWS SDK v3's Auto Scaling client. Credentials come from the SDK's
// default chain (on the control-plane host: its instance role through IMDSv2) unless given.
// Every failure becomes an AutoScalingError naming the operation and AWS's error code.
import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  SetDesiredCapacityCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  type AutoScalingClientConfig,
} from '@aws-sdk/client-auto-scaling';
import { AutoScalingError, type AutoScalingApi, type GroupState, type InstanceMembership } from './auto-scaling.js';

export interface SdkAutoScalingOptions {
  region: string;
  /** Another endpoint than AWS's (a VPC endpoint, or a local stand-in in tests). */
  endpoint?: string;
  credentials?: AutoScalingClientConfig['credentials'];
  /** Attempts per call, retries included (the SDK's default is 3). */
  maxAttempts?: number;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

/** Pure: an SDK failure as an AutoScalingError (never echoing request parameters). */
export function autoScalingFailure(operation: string, err: unknown): AutoScalingError {
  const error = err as { name?: string; message?: string; code?: string; $metadata?: unknown; cause?: { code?: string } };
  if (error?.name === 'CredentialsProviderError') {
    return new AutoScalingError(operation, 'CredentialsError', 'no AWS credentials: run with an instance role, or AWS_* credentials in the environment', err);
  }
  const networkCode = [error?.code, error?.cause?.code].find((code) => code && NETWORK_CODES.has(code));
  if (networkCode || error?.name === 'TimeoutError') {
    return new AutoScalingError(operation, 'NetworkError', `could not reach the Auto Scaling API (${networkCode ?? 'timeout'})`, err);
  }
  if (error?.$metadata && error.name) return new AutoScalingError(operation, error.name, error.message ?? 'no message', err);
  return new AutoScalingError(operation, 'UnknownError', error?.message ?? String(err), err);
}

export function sdkAutoScaling(options: SdkAutoScalingOptions): AutoScalingApi {
  const client = new AutoScalingClient({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts: options.maxAttempts ?? 3,
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 20_000 },
  });
  const call = async <T>(operation: string, action: () => Promise<T>): Promise<T> => {
    try {
      return await action();
    } catch (err) {
      throw autoScalingFailure(operation, err);
    }
  };

  return {
    describeGroup: (groupName) =>
      call('DescribeAutoScalingGroups', async (): Promise<GroupState | null> => {
        const output = await client.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [groupName] }));
        const group = output.AutoScalingGroups?.find((g) => g.AutoScalingGroupName === groupName);
        if (!group) return null;
        return {
          name: groupName,
          minSize: group.MinSize ?? 0,
          maxSize: group.MaxSize ?? 0,
          desiredCapacity: group.DesiredCapacity ?? 0,
          instances: (group.Instances ?? []).map((instance) => ({
            instanceId: instance.InstanceId ?? '',
            lifecycleState: instance.LifecycleState ?? 'Unknown',
            availabilityZone: instance.AvailabilityZone ?? '',
          })),
        };
      }),
    describeInstance: (instanceId) =>
      call('DescribeAutoScalingInstances', async (): Promise<InstanceMembership | null> => {
        const output = await client.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [instanceId] }));
        const found = output.AutoScalingInstances?.find((instance) => instance.InstanceId === instanceId);
        if (!found) return null;
        return { instanceId, groupName: found.AutoScalingGroupName ?? '', lifecycleState: found.LifecycleState ?? 'Unknown' };
      }),
    setDesiredCapacity: (groupName, desiredCapacity) =>
      call('SetDesiredCapacity', async () => {
        await client.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: groupName, DesiredCapacity: desiredCapacity, HonorCooldown: false }));
      }),
    terminateInstanceAndDecrement: (instanceId) =>
      call('TerminateInstanceInAutoScalingGroup', async () => {
        await client.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: instanceId, ShouldDecrementDesiredCapacity: true }));
      }),
  };
}
