// Private paths to ECR: interface endpoints for its API and Docker endpoints and a gateway
// endpoint for S3 (where layers live), so image pulls stay inside the VPC and the endpoints
// admit HTTPS from the VPC's own block only.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { Network } from './network.js';
import type { Tags } from './tags.js';

export function createRegistryEndpoints(
  name: string,
  args: { network: Network; region: pulumi.Input<string>; securityGroupId: pulumi.Input<string>; tags: (role: string, name: string) => Tags },
  opts: pulumi.CustomResourceOptions = {},
): aws.ec2.VpcEndpoint[] {
  const interfaceEndpoints = ['ecr.api', 'ecr.dkr'].map(
    (service) =>
      new aws.ec2.VpcEndpoint(`${name}-${service.replace('.', '-')}`, {
        vpcId: args.network.vpc.id,
        serviceName: pulumi.interpolate`com.amazonaws.${args.region}.${service}`,
        vpcEndpointType: 'Interface',
        privateDnsEnabled: true,
        subnetIds: args.network.privateSubnets.map((subnet) => subnet.id),
        securityGroupIds: [args.securityGroupId],
        tags: args.tags('registry', `${name}-${service}`),
      }, opts),
  );
  const s3 = new aws.ec2.VpcEndpoint(`${name}-s3`, {
    vpcId: args.network.vpc.id,
    serviceName: pulumi.interpolate`com.amazonaws.${args.region}.s3`,
    vpcEndpointType: 'Gateway',
    routeTableIds: args.network.privateRouteTables.map((table) => table.id),
    tags: args.tags('registry', `${name}-s3`),
  }, opts);
  return [...interfaceEndpoints, s3];
}
