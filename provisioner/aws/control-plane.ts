// The control-plane host: one instance in a private subnet running NATS, Redis (unless
// ElastiCache is used) and the Platform API. The scheduler elects a leader through Redis, but
// NATS and on-host Redis live here, so there is one; a replacement keeps its names through the
// internal zone, and with `managedRedis` the desired state survives the host.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { METADATA_OPTIONS } from './hardening.js';
import type { Tags } from './tags.js';

export function createControlPlaneHost(
  name: string,
  args: {
    imageId: pulumi.Input<string>;
    instanceType: string;
    volumeGb: number;
    subnetId: pulumi.Input<string>;
    securityGroupId: pulumi.Input<string>;
    instanceProfileName: pulumi.Input<string>;
    /** Rendered cloud-config: a secret (admin token, NATS and Redis passwords). */
    userData: pulumi.Output<string>;
    tags: (role: string, name: string) => Tags;
  },
  opts: pulumi.CustomResourceOptions = {},
): aws.ec2.Instance {
  const tags = args.tags('control-plane', name);
  return new aws.ec2.Instance(name, {
    ami: args.imageId,
    instanceType: args.instanceType,
    subnetId: args.subnetId,
    vpcSecurityGroupIds: [args.securityGroupId],
    iamInstanceProfile: args.instanceProfileName,
    associatePublicIpAddress: false,
    metadataOptions: { ...METADATA_OPTIONS },
    rootBlockDevice: { encrypted: true, volumeSize: args.volumeGb, volumeType: 'gp3', deleteOnTermination: true },
    ebsOptimized: true,
    maintenanceOptions: { autoRecovery: 'default' },
    userData: pulumi.secret(args.userData),
    tags,
    volumeTags: tags,
  }, {
    ...opts,
    // A newer Debian image must not replace the host holding the platform's state on an
    // unrelated `up`: moving to a new image is a deliberate step (see README).
    ignoreChanges: ['ami'],
  });
}
