// IAM policy documents as pure functions of ARNs: what each kind of machine may do, and
// nothing more. Engine hosts and routers may only pull images; the control plane may push app
// images, and size the engine hosts' auto scaling group and end one of its instances.

export interface Statement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: Statement[];
}

export const ENGINE_HOST_ROLE = 'engine-host';

export const ECR_PULL_ACTIONS = ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];
export const ECR_PUSH_ACTIONS = ['ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload', 'ecr:PutImage'];

/** Trust policy: only EC2 instances (through their instance profile) may assume the role. */
export function ec2TrustPolicy(): object {
  return {
    Version: '2012-10-17',
    Statement: [{ Sid: 'Ec2Instances', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  };
}

/** ARN pattern of every repository under `prefix` (ECR's create-on-push names them so). */
export function repositoryPrefixArn(partition: string, region: string, accountId: string, prefix: string): string {
  return `arn:${partition}:ecr:${region}:${accountId}:repository/${prefix}/*`;
}

function authorizationToken(): Statement {
  // GetAuthorizationToken has no resource-level permissions: AWS requires "*".
  return { Sid: 'EcrLogin', Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: '*' };
}

/** Pull, and only pull, from the given repositories. */
export function ecrPullPolicy(repositoryArns: readonly string[]): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [authorizationToken(), { Sid: 'PullImages', Effect: 'Allow', Action: [...ECR_PULL_ACTIONS], Resource: [...repositoryArns] }],
  };
}

export interface ControlPlanePolicyInput {
  appRepositoriesArn: string;
  platformRepositoryArns: readonly string[];
  /** ARN of the engine hosts' auto scaling group. */
  engineGroupArn: string;
}

/** What the control plane may change on the engine group: its size, and ending one instance. */
export const ENGINE_GROUP_ACTIONS = ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'];
/** What it may read: AWS offers no resource-level permissions for Describe actions ("*" only). */
export const AUTO_SCALING_READ_ACTIONS = ['autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeAutoScalingInstances'];

export function controlPlanePolicy(input: ControlPlanePolicyInput): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      authorizationToken(),
      {
        Sid: 'PushAndPullAppImages',
        Effect: 'Allow',
        // CreateRepository (+ TagResource for its tags): app repositories are created on first push.
        Action: [...ECR_PULL_ACTIONS, ...ECR_PUSH_ACTIONS, 'ecr:CreateRepository', 'ecr:TagResource', 'ecr:DescribeImages'],
        Resource: input.appRepositoriesArn,
      },
      { Sid: 'PullPlatformImages', Effect: 'Allow', Action: [...ECR_PULL_ACTIONS], Resource: [...input.platformRepositoryArns] },
      // Adding hosts raises the desired capacity; removing one ends exactly its instance.
      { Sid: 'ScaleEngineGroup', Effect: 'Allow', Action: [...ENGINE_GROUP_ACTIONS], Resource: input.engineGroupArn },
      // Enrollment asks which group an instance is in; the provider reads the group's size.
      { Sid: 'DescribeAutoScaling', Effect: 'Allow', Action: [...AUTO_SCALING_READ_ACTIONS], Resource: '*' },
    ],
  };
}
