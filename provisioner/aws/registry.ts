// Where images live: ECR repositories for the platform's own images (agent, API, router),
// and a creation template under which every app's repository is created on its first push.
// Tags are immutable everywhere (images are pulled by digest; a tag never changes meaning),
// and images are scanned on push.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { Tags } from './tags.js';

export const PLATFORM_IMAGES = ['agent', 'api', 'router'] as const;
export type PlatformImage = (typeof PLATFORM_IMAGES)[number];

export interface AccountInfo {
  partition: string;
  region: string;
  accountId: string;
  dnsSuffix: string;
}

export interface Registry {
  /** `<account>.dkr.ecr.<region>.amazonaws.com` */
  host: pulumi.Output<string>;
  repositories: Record<PlatformImage, aws.ecr.Repository>;
  /** Prefix of app repositories, e.g. `slipway/production/apps`. */
  appPrefix: string;
  /** Full reference of a platform image at the configured tag. */
  image(name: PlatformImage): pulumi.Output<string>;
}

/** Keeps app repositories from growing without bound: untagged layers of failed pushes expire. */
export function appLifecyclePolicy(): string {
  return JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        description: 'expire untagged images after 14 days',
        selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 },
        action: { type: 'expire' },
      },
    ],
  });
}

export function createRegistry(
  name: string,
  args: {
    stack: string;
    account: pulumi.Output<AccountInfo>;
    imageTag: string;
    manageScanning: boolean;
    tags: (role: string, name: string) => Tags;
  },
  opts: pulumi.CustomResourceOptions = {},
): Registry {
  const base = `slipway/${args.stack}`;
  const repositories = Object.fromEntries(
    PLATFORM_IMAGES.map((image) => [
      image,
      new aws.ecr.Repository(`${name}-${image}`, {
        name: `${base}/${image}`,
        imageTagMutability: 'IMMUTABLE',
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfigurations: [{ encryptionType: 'AES256' }],
        forceDelete: false,
        tags: args.tags('registry', `${name}-${image}`),
      }, opts),
    ]),
  ) as Record<PlatformImage, aws.ecr.Repository>;

  const appPrefix = `${base}/apps`;
  new aws.ecr.RepositoryCreationTemplate(`${name}-apps`, {
    prefix: appPrefix,
    description: `Slipway ${args.stack}: one repository per app, created on its first push`,
    appliedFors: ['CREATE_ON_PUSH'],
    imageTagMutability: 'IMMUTABLE',
    encryptionConfigurations: [{ encryptionType: 'AES256' }],
    lifecyclePolicy: appLifecyclePolicy(),
    resourceTags: { 'slipway:stack': args.stack, 'slipway:role': 'app-images' },
  }, opts);

  if (args.manageScanning) {
    // A registry-wide setting (one per account and region): it scans this stack's repositories
    // on push. Turn `manageRegistryScanning` off if the account's scanning is managed elsewhere.
    new aws.ecr.RegistryScanningConfiguration(`${name}-scanning`, {
      scanType: 'BASIC',
      rules: [{ scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [{ filter: `${base}/*`, filterType: 'WILDCARD' }] }],
    }, opts);
  }

  const host = args.account.apply((a) => `${a.accountId}.dkr.ecr.${a.region}.${a.dnsSuffix}`);
  return {
    host,
    repositories,
    appPrefix,
    image: (image) => pulumi.interpolate`${repositories[image].repositoryUrl}:${args.imageTag}`,
  };
}
