// A private Route 53 zone inside the VPC, so hosts find NATS, Redis and the API by name
// (`nats.slipway.internal`) and keep finding them when the control plane is replaced.
import * as aws from '@pulumi/aws';
import type * as pulumi from '@pulumi/pulumi';
import type { Tags } from './tags.js';

export function createInternalZone(
  name: string,
  args: { domain: string; vpcId: pulumi.Input<string>; records: Record<string, pulumi.Input<string>>; tags: (role: string, name: string) => Tags },
  opts: pulumi.CustomResourceOptions = {},
): aws.route53.Zone {
  const zone = new aws.route53.Zone(name, {
    name: args.domain,
    comment: 'Slipway internal names (private to the VPC)',
    vpcs: [{ vpcId: args.vpcId }],
    tags: args.tags('network', name),
  }, opts);
  for (const [label, address] of Object.entries(args.records)) {
    new aws.route53.Record(`${name}-${label}`, {
      zoneId: zone.zoneId,
      name: `${label}.${args.domain}`,
      type: 'A',
      ttl: 60,
      records: [address],
    }, { ...opts, parent: zone });
  }
  return zone;
}
