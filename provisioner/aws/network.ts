// The VPC: a public and a private subnet in each zone, an internet gateway for the public
// ones, NAT for the private ones (one gateway per zone, or a single one to save money).
// Nothing but the load balancer and the NAT gateways lives in a public subnet.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { planSubnets } from './cidr.js';
import type { Tags } from './tags.js';

export interface NetworkArgs {
  cidr: string;
  zones: readonly string[];
  natGateways: 'per-zone' | 'single';
  tags: (role: string, name: string) => Tags;
}

export interface Network {
  vpc: aws.ec2.Vpc;
  cidr: string;
  zones: readonly string[];
  publicSubnets: aws.ec2.Subnet[];
  privateSubnets: aws.ec2.Subnet[];
  privateRouteTables: aws.ec2.RouteTable[];
}

export function createNetwork(name: string, args: NetworkArgs, opts: pulumi.CustomResourceOptions = {}): Network {
  const plan = planSubnets(args.cidr, args.zones);
  const vpc = new aws.ec2.Vpc(name, {
    cidrBlock: args.cidr,
    enableDnsHostnames: true,
    enableDnsSupport: true,
    tags: args.tags('network', name),
  }, opts);
  const child = { ...opts, parent: vpc };

  // The default security group admits everything from its own members: empty it, so only
  // the groups in security.ts apply.
  new aws.ec2.DefaultSecurityGroup(`${name}-default`, { vpcId: vpc.id, tags: args.tags('network', `${name}-default`) }, child);

  const gateway = new aws.ec2.InternetGateway(name, { vpcId: vpc.id, tags: args.tags('network', name) }, child);
  const publicRoutes = new aws.ec2.RouteTable(`${name}-public`, {
    vpcId: vpc.id,
    routes: [{ cidrBlock: '0.0.0.0/0', gatewayId: gateway.id }],
    tags: args.tags('network', `${name}-public`),
  }, child);

  const publicSubnets = plan.map((zone, index) => {
    const subnet = new aws.ec2.Subnet(`${name}-public-${index}`, {
      vpcId: vpc.id,
      cidrBlock: zone.publicCidr,
      availabilityZone: zone.zone,
      mapPublicIpOnLaunch: false,
      tags: args.tags('network', `${name}-public-${zone.zone}`),
    }, child);
    new aws.ec2.RouteTableAssociation(`${name}-public-${index}`, { subnetId: subnet.id, routeTableId: publicRoutes.id }, child);
    return subnet;
  });

  const natCount = args.natGateways === 'per-zone' ? plan.length : 1;
  const natGateways = publicSubnets.slice(0, natCount).map((subnet, index) => {
    const address = new aws.ec2.Eip(`${name}-nat-${index}`, { domain: 'vpc', tags: args.tags('network', `${name}-nat-${index}`) }, child);
    return new aws.ec2.NatGateway(`${name}-nat-${index}`, {
      allocationId: address.id,
      subnetId: subnet.id,
      connectivityType: 'public',
      tags: args.tags('network', `${name}-nat-${index}`),
    }, { ...child, dependsOn: [gateway] });
  });

  const privateSubnets: aws.ec2.Subnet[] = [];
  const privateRouteTables: aws.ec2.RouteTable[] = [];
  plan.forEach((zone, index) => {
    const subnet = new aws.ec2.Subnet(`${name}-private-${index}`, {
      vpcId: vpc.id,
      cidrBlock: zone.privateCidr,
      availabilityZone: zone.zone,
      mapPublicIpOnLaunch: false,
      tags: args.tags('network', `${name}-private-${zone.zone}`),
    }, child);
    // A zone's private subnet leaves through its own zone's NAT gateway when there is one.
    const nat = natGateways[Math.min(index, natGateways.length - 1)]!;
    const routes = new aws.ec2.RouteTable(`${name}-private-${index}`, {
      vpcId: vpc.id,
      routes: [{ cidrBlock: '0.0.0.0/0', natGatewayId: nat.id }],
      tags: args.tags('network', `${name}-private-${zone.zone}`),
    }, child);
    new aws.ec2.RouteTableAssociation(`${name}-private-${index}`, { subnetId: subnet.id, routeTableId: routes.id }, child);
    privateSubnets.push(subnet);
    privateRouteTables.push(routes);
  });

  return { vpc, cidr: args.cidr, zones: args.zones, publicSubnets, privateSubnets, privateRouteTables };
}
