// ElastiCache for Redis, when `managedRedis` is on: a primary and a replica in different
// zones with automatic failover, encrypted at rest and in transit, an AUTH token (a Pulumi
// secret), in the private subnets behind its own security group.
import * as aws from '@pulumi/aws';
import type * as pulumi from '@pulumi/pulumi';
import type { Tags } from './tags.js';

export interface ManagedRedis {
  group: aws.elasticache.ReplicationGroup;
  endpoint: pulumi.Output<string>;
}

export function createManagedRedis(
  name: string,
  args: {
    subnetIds: pulumi.Input<string>[];
    securityGroupId: pulumi.Input<string>;
    nodeType: string;
    authToken: pulumi.Output<string>;
    tags: (role: string, name: string) => Tags;
  },
  opts: pulumi.CustomResourceOptions = {},
): ManagedRedis {
  const subnets = new aws.elasticache.SubnetGroup(name, {
    description: 'Slipway Redis: private subnets',
    subnetIds: args.subnetIds,
    tags: args.tags('redis', name),
  }, opts);
  const group = new aws.elasticache.ReplicationGroup(name, {
    description: 'Slipway desired state (apps, releases, hosts, routes)',
    engine: 'redis',
    engineVersion: '7.1',
    nodeType: args.nodeType,
    port: 6379,
    numCacheClusters: 2,
    automaticFailoverEnabled: true,
    multiAzEnabled: true,
    subnetGroupName: subnets.name,
    securityGroupIds: [args.securityGroupId],
    atRestEncryptionEnabled: true,
    transitEncryptionEnabled: true,
    authToken: args.authToken,
    snapshotRetentionLimit: 7,
    autoMinorVersionUpgrade: true,
    tags: args.tags('redis', name),
  }, { ...opts, parent: subnets });
  return { group, endpoint: group.primaryEndpointAddress };
}
