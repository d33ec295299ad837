// Instance settings every Slipway machine shares, whatever launches it: IMDSv2 only, with a
// hop limit of 1, so a container on a Docker bridge network (every app) never gets a
// metadata token and so never the instance role's credentials. Platform containers run on
// the host network, where one hop is enough (the control plane's Auto Scaling client needs the
// role; the agent needs nothing from IMDS: the host writes its instance id, address and ECR
// credentials for it). The same limit keeps the user-data (the engine hosts' enrollment
// secret) out of every app container's reach.
// And an encrypted root volume; user-data is passed as a secret (it holds credentials).
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { ROOT_DEVICE } from './ami.js';
import type { Tags } from './tags.js';

export const METADATA_OPTIONS = {
  httpEndpoint: 'enabled',
  httpTokens: 'required',
  httpPutResponseHopLimit: 1,
  instanceMetadataTags: 'disabled',
} as const;

/** Block device mapping of an encrypted gp3 root volume (launch template form). */
export function encryptedRootVolume(sizeGb: number) {
  return {
    deviceName: ROOT_DEVICE,
    ebs: { encrypted: 'true', volumeSize: sizeGb, volumeType: 'gp3', deleteOnTermination: 'true' },
  };
}

export interface HardenedLaunchTemplateArgs {
  description: string;
  imageId: pulumi.Input<string>;
  instanceType: string;
  instanceProfileArn: pulumi.Input<string>;
  securityGroupId: pulumi.Input<string>;
  volumeGb: number;
  /** Rendered cloud-config: a secret. */
  userData: pulumi.Output<string>;
  /** On the template, its instances and their volumes. */
  tags: Tags;
  ebsOptimized?: boolean;
}

/** A launch template with the settings above; a new version becomes the default. */
export function hardenedLaunchTemplate(name: string, args: HardenedLaunchTemplateArgs, opts: pulumi.CustomResourceOptions = {}): aws.ec2.LaunchTemplate {
  return new aws.ec2.LaunchTemplate(name, {
    description: args.description,
    imageId: args.imageId,
    instanceType: args.instanceType,
    iamInstanceProfile: { arn: args.instanceProfileArn },
    vpcSecurityGroupIds: [args.securityGroupId],
    metadataOptions: { ...METADATA_OPTIONS },
    blockDeviceMappings: [encryptedRootVolume(args.volumeGb)],
    ...(args.ebsOptimized ? { ebsOptimized: 'true' } : {}),
    userData: pulumi.secret(args.userData.apply((text) => Buffer.from(text, 'utf8').toString('base64'))),
    updateDefaultVersion: true,
    tagSpecifications: [
      { resourceType: 'instance', tags: args.tags },
      { resourceType: 'volume', tags: args.tags },
    ],
    tags: args.tags,
  }, opts);
}
