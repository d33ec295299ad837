// The machine image: Debian 12 (bookworm) as published by Debian itself, newest first, unless
// the operator pins one. Debian's cloud images run cloud-init, which reads our user-data.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

/** The AWS account Debian publishes its official cloud images from. */
export const DEBIAN_IMAGE_OWNER = '136693071363';

export function debianImageId(pinned: string | undefined): pulumi.Output<string> {
  if (pinned) return pulumi.output(pinned);
  return aws.ec2.getAmiOutput({
    mostRecent: true,
    owners: [DEBIAN_IMAGE_OWNER],
    filters: [
      { name: 'name', values: ['debian-12-amd64-*'] },
      { name: 'architecture', values: ['x86_64'] },
      { name: 'virtualization-type', values: ['hvm'] },
      { name: 'root-device-type', values: ['ebs'] },
    ],
  }).id;
}

/** Root device name of Debian's images, where the encrypted root volume is mapped. */
export const ROOT_DEVICE = '/dev/xvda';
