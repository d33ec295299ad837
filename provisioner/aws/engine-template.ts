// The launch template every engine host starts from: the Debian image, the engine security
// group and instance profile, IMDSv2 only, an encrypted root volume. It carries no user-data
// and no secret: each host's own user-data (with its own token) is given at launch by the
// hosts stack (host-instances.ts), overriding nothing else.
import * as aws from '@pulumi/aws';
import type * as pulumi from '@pulumi/pulumi';
import { encryptedRootVolume, METADATA_OPTIONS } from './hardening.js';
import { ENGINE_HOST_ROLE } from './iam-policies.js';
import type { Tags } from './tags.js';

export function createEngineLaunchTemplate(
  name: string,
  args: {
    imageId: pulumi.Input<string>;
    instanceType: string;
    volumeGb: number;
    securityGroupId: pulumi.Input<string>;
    instanceProfileArn: pulumi.Input<string>;
    tags: (role: string, name: string) => Tags;
  },
  opts: pulumi.CustomResourceOptions = {},
): aws.ec2.LaunchTemplate {
  const hostTags = args.tags(ENGINE_HOST_ROLE, name);
  return new aws.ec2.LaunchTemplate(name, {
    description: 'Slipway engine host: Docker Engine and the Slipway agent',
    imageId: args.imageId,
    instanceType: args.instanceType,
    iamInstanceProfile: { arn: args.instanceProfileArn },
    vpcSecurityGroupIds: [args.securityGroupId],
    metadataOptions: { ...METADATA_OPTIONS },
    blockDeviceMappings: [encryptedRootVolume(args.volumeGb)],
    ebsOptimized: 'true',
    updateDefaultVersion: true,
    tagSpecifications: [
      { resourceType: 'instance', tags: hostTags },
      { resourceType: 'volume', tags: hostTags },
    ],
    tags: hostTags,
  }, opts);
}
