// The engine hosts: a launch template (the Debian image, the engine security group and
// ECR-pull-only instance profile, IMDSv2 only with hop limit 1, an encrypted root volume, and
// the hardened user-data with the group's enrollment secret) and an auto scaling group across
// the private subnets of every zone. The group's desired size is set at creation from config
// and owned by the control plane after that (it adds hosts and ends drained ones), so Pulumi
// ignores it; every instance is protected from scale-in and zone rebalancing is suspended, so
// AWS never picks a host with running apps to end: only TerminateInstanceInAutoScalingGroup on
// a drained host does.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { hardenedLaunchTemplate } from './hardening.js';
import { ENGINE_HOST_ROLE } from './iam-policies.js';
import type { Tags } from './tags.js';

export interface EngineGroupArgs {
  imageId: pulumi.Input<string>;
  instanceType: string;
  volumeGb: number;
  size: { min: number; desired: number; max: number };
  subnetIds: pulumi.Input<string>[];
  securityGroupId: pulumi.Input<string>;
  instanceProfileArn: pulumi.Input<string>;
  /** Rendered cloud-config: a secret (it holds the enrollment secret). */
  userData: pulumi.Output<string>;
  tags: (role: string, name: string) => Tags;
}

export interface EngineGroup {
  launchTemplate: aws.ec2.LaunchTemplate;
  group: aws.autoscaling.Group;
}

/** Processes AWS may not run on its own: rebalancing zones ends running instances. */
export const ENGINE_SUSPENDED_PROCESSES = ['AZRebalance'];
/** The control plane sets the desired capacity at run time; `up` must not reset it. */
export const ENGINE_GROUP_IGNORED_CHANGES = ['desiredCapacity'];

export function createEngineGroup(name: string, args: EngineGroupArgs, opts: pulumi.CustomResourceOptions = {}): EngineGroup {
  const hostTags = args.tags(ENGINE_HOST_ROLE, name);
  const launchTemplate = hardenedLaunchTemplate(name, {
    description: 'Slipway engine host: Docker Engine and the Slipway agent, which enrolls for its own identity',
    imageId: args.imageId,
    instanceType: args.instanceType,
    instanceProfileArn: args.instanceProfileArn,
    securityGroupId: args.securityGroupId,
    volumeGb: args.volumeGb,
    userData: args.userData,
    tags: hostTags,
    ebsOptimized: true,
  }, opts);

  const group = new aws.autoscaling.Group(name, {
    minSize: args.size.min,
    desiredCapacity: args.size.desired,
    maxSize: args.size.max,
    vpcZoneIdentifiers: args.subnetIds,
    // A new template version (image, user-data) applies to instances launched from now on;
    // running hosts are never replaced behind the scheduler's back (no instance refresh).
    launchTemplate: { id: launchTemplate.id, version: launchTemplate.latestVersion.apply(String) },
    healthCheckType: 'EC2',
    healthCheckGracePeriod: 300,
    protectFromScaleIn: true,
    suspendedProcesses: [...ENGINE_SUSPENDED_PROCESSES],
    // Instances count as hosts once they enroll, which Pulumi cannot see: do not wait for them.
    waitForCapacityTimeout: '0',
    tags: Object.entries(hostTags).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
  }, { ...opts, ignoreChanges: [...ENGINE_GROUP_IGNORED_CHANGES] });

  return { launchTemplate, group };
}
