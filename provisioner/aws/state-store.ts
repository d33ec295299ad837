// Where the hosts stack keeps its Pulumi state and encrypts its secrets (the hosts' tokens):
// a private, versioned S3 bucket and a KMS key with rotation, both usable by the control
// plane's role alone (besides the account's administrators).
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { Tags } from './tags.js';

export interface StateStore {
  bucket: aws.s3.Bucket;
  key: aws.kms.Key;
  /** Pulumi backend URL, `s3://<bucket>?region=<region>`. */
  backendUrl: pulumi.Output<string>;
  /** Pulumi secrets provider, `awskms://<key id>?region=<region>`. */
  secretsProvider: pulumi.Output<string>;
}

/** A bucket policy refusing any request that is not over TLS. */
export function tlsOnlyBucketPolicy(bucketArn: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'TlsOnly',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ],
  });
}

export function createStateStore(
  name: string,
  args: { stack: string; region: pulumi.Input<string>; tags: (role: string, name: string) => Tags },
  opts: pulumi.CustomResourceOptions = {},
): StateStore {
  const key = new aws.kms.Key(name, {
    description: `Slipway ${args.stack}: secrets of the hosts stack (host tokens)`,
    enableKeyRotation: true,
    deletionWindowInDays: 30,
    tags: args.tags('state', name),
  }, opts);
  const bucket = new aws.s3.Bucket(name, {
    bucketPrefix: `slipway-${args.stack.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 20)}-hosts-`,
    forceDestroy: false,
    tags: args.tags('state', name),
  }, opts);
  const child = { ...opts, parent: bucket };
  new aws.s3.BucketPublicAccessBlock(name, {
    bucket: bucket.id,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  }, child);
  new aws.s3.BucketVersioning(name, { bucket: bucket.id, versioningConfiguration: { status: 'Enabled' } }, child);
  new aws.s3.BucketServerSideEncryptionConfiguration(name, {
    bucket: bucket.id,
    rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: key.arn }, bucketKeyEnabled: true }],
  }, child);
  new aws.s3.BucketPolicy(name, { bucket: bucket.id, policy: bucket.arn.apply(tlsOnlyBucketPolicy) }, child);
  return {
    bucket,
    key,
    backendUrl: pulumi.interpolate`s3://${bucket.bucket}?region=${args.region}`,
    secretsProvider: pulumi.interpolate`awskms://${key.keyId}?region=${args.region}`,
  };
}
