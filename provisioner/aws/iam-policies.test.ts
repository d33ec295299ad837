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

test('the control plane may size the engine group and end its instances, read auto scaling, push app images: nothing else', () => {
  const group = 'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:0f1e2d3c-aaaa-bbbb-cccc-000000000000:autoScalingGroupName/slipway-engine-0123';
  const policy = controlPlanePolicy({ appRepositoriesArn: APPS, platformRepositoryArns: ['arn:api'], engineGroupArn: group });
  const bySid = Object.fromEntries(policy.Statement.map((s) => [s.Sid, s]));
  expect(Object.keys(bySid).sort()).toEqual(['DescribeAutoScaling', 'EcrLogin', 'PullPlatformImages', 'PushAndPullAppImages', 'ScaleEngineGroup']);
  expect(bySid.ScaleEngineGroup).toEqual({
    Sid: 'ScaleEngineGroup',
    Effect: 'Allow',
    Action: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'],
    Resource: group,
  });
  expect(bySid.DescribeAutoScaling!.Action).toEqual(['autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeAutoScalingInstances']);
  expect(bySid.PushAndPullAppImages!.Resource).toBe(APPS);
  // the only statements with Resource "*" are the ones AWS offers no narrower form of
  const unscoped = policy.Statement.filter((s) => s.Resource === '*').map((s) => s.Sid);
  expect(unscoped.sort()).toEqual(['DescribeAutoScaling', 'EcrLogin']);
  const everything = policy.Statement.flatMap((s) => s.Action);
  expect(everything.filter((action) => action.includes('*'))).toEqual([]);
  // no EC2, IAM, S3 or KMS at all: the control plane launches nothing itself and passes no role
  expect(everything.filter((action) => !/^(ecr|autoscaling):/.test(action))).toEqual([]);
  expect(everything.filter((action) => action.startsWith('autoscaling:')).sort()).toEqual([
    'autoscaling:DescribeAutoScalingGroups',
    'autoscaling:DescribeAutoScalingInstances',
    'autoscaling:SetDesiredCapacity',
    'autoscaling:TerminateInstanceInAutoScalingGroup',
  ]);
});
