import { expect, test } from 'vitest';
import { controlPlanePolicy, ec2TrustPolicy, ECR_PULL_ACTIONS, ecrPullPolicy, repositoryPrefixArn } from './iam-policies.js';

const APPS = repositoryPrefixArn('aws', 'us-east-1', '123456789012', 'slipway/production/apps');

test('pull policy: login everywhere (AWS allows nothing narrower), pull only from the named repositories', () => {
  expect(APPS).toBe('arn:aws:ecr:us-east-1:123456789012:repository/slipway/production/apps/*');
  const policy = ecrPullPolicy([APPS, 'arn:aws:ecr:us-east-1:123456789012:repository/slipway/production/agent']);
  expect(policy.Statement).toEqual([
    { Sid: 'EcrLogin', Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: '*' },
    { Sid: 'PullImages', Effect: 'Allow', Action: ECR_PULL_ACTIONS, Resource: [APPS, 'arn:aws:ecr:us-east-1:123456789012:repository/slipway/production/agent'] },
  ]);
  expect(ECR_PULL_ACTIONS.sort()).toEqual(['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer']);
});

test('only EC2 may assume the roles', () => {
  expect(ec2TrustPolicy()).toEqual({
    Version: '2012-10-17',
    Statement: [{ Sid: 'Ec2Instances', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  });
});

test('the control plane launches only from the engine template, and ends only its own stack\'s engine hosts', () => {
  const policy = controlPlanePolicy({
    partition: 'aws',
    region: 'us-east-1',
    accountId: '123456789012',
    stack: 'production',
    appRepositoriesArn: APPS,
    platformRepositoryArns: ['arn:api'],
    hostsStateBucketArn: 'arn:aws:s3:::state',
    hostsStateKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/k',
    engineLaunchTemplateArn: 'arn:aws:ec2:us-east-1:123456789012:launch-template/lt-1',
    engineRoleArn: 'arn:aws:iam::123456789012:role/engine',
  });
  const bySid = Object.fromEntries(policy.Statement.map((s) => [s.Sid, s]));
  expect(bySid.LaunchEngineHosts).toEqual({
    Sid: 'LaunchEngineHosts',
    Effect: 'Allow',
    Action: ['ec2:RunInstances'],
    Resource: '*',
    Condition: { ArnEquals: { 'ec2:LaunchTemplate': 'arn:aws:ec2:us-east-1:123456789012:launch-template/lt-1' } },
  });
  expect(bySid.ManageOwnEngineHosts!.Condition).toEqual({
    StringEquals: { 'aws:ResourceTag/slipway:stack': 'production', 'aws:ResourceTag/slipway:role': 'engine-host' },
  });
  expect(bySid.PassEngineRole!.Resource).toBe('arn:aws:iam::123456789012:role/engine');
  expect(bySid.PushAndPullAppImages!.Resource).toBe(APPS);
  // the only statements with Resource "*" are the ones AWS offers no narrower form of, or that are conditioned
  const unscoped = policy.Statement.filter((s) => s.Resource === '*' && !s.Condition).map((s) => s.Sid);
  expect(unscoped.sort()).toEqual(['DescribeEc2', 'EcrLogin']);
  expect(policy.Statement.flatMap((s) => s.Action).filter((action) => action.includes('*'))).toEqual(['ec2:Describe*']);
  expect(policy.Statement.flatMap((s) => s.Action)).not.toContain('iam:CreateRole');
});
