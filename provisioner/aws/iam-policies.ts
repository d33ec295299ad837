// IAM policy documents as pure functions of ARNs: what each kind of machine may do, and
// nothing more. Engine hosts and routers may only pull images; the control plane may push app
// images and manage engine hosts launched from the engine launch template, tagged with its stack.
import { ROLE_TAG, STACK_TAG } from './tags.js';

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
  partition: string;
  region: string;
  accountId: string;
  stack: string;
  appRepositoriesArn: string;
  platformRepositoryArns: readonly string[];
  hostsStateBucketArn: string;
  hostsStateKeyArn: string;
  engineLaunchTemplateArn: string;
  engineRoleArn: string;
}

export function controlPlanePolicy(input: ControlPlanePolicyInput): PolicyDocument {
  const ownHosts = {
    StringEquals: { [`aws:ResourceTag/${STACK_TAG}`]: input.stack, [`aws:ResourceTag/${ROLE_TAG}`]: ENGINE_HOST_ROLE },
  };
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
      { Sid: 'HostsStateList', Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetBucketLocation'], Resource: input.hostsStateBucketArn },
      {
        Sid: 'HostsStateObjects',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
        Resource: `${input.hostsStateBucketArn}/*`,
      },
      {
        Sid: 'HostsStateKey',
        Effect: 'Allow',
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: input.hostsStateKeyArn,
      },
      // EC2 has no resource-level permissions for Describe*.
      { Sid: 'DescribeEc2', Effect: 'Allow', Action: ['ec2:Describe*'], Resource: '*' },
      {
        Sid: 'LaunchEngineHosts',
        Effect: 'Allow',
        Action: ['ec2:RunInstances'],
        Resource: '*',
        Condition: { ArnEquals: { 'ec2:LaunchTemplate': input.engineLaunchTemplateArn } },
      },
      {
        Sid: 'TagAtLaunch',
        Effect: 'Allow',
        Action: ['ec2:CreateTags'],
        Resource: '*',
        Condition: { StringEquals: { 'ec2:CreateAction': 'RunInstances' } },
      },
      {
        Sid: 'ManageOwnEngineHosts',
        Effect: 'Allow',
        Action: ['ec2:TerminateInstances', 'ec2:StopInstances', 'ec2:StartInstances', 'ec2:ModifyInstanceAttribute'],
        Resource: `arn:${input.partition}:ec2:${input.region}:${input.accountId}:instance/*`,
        Condition: ownHosts,
      },
      {
        Sid: 'PassEngineRole',
        Effect: 'Allow',
        Action: ['iam:PassRole'],
        Resource: input.engineRoleArn,
        Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
      },
    ],
  };
}
