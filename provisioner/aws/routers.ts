// The edge: routers in an auto scaling group across the private subnets (stateless and
// interchangeable, they share one set of router credentials), behind an internet-facing
// network load balancer whose TCP listeners pass 80 and 443 through to them (routers
// terminate TLS themselves, with certificates from Redis), with client IPs preserved.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { hardenedLaunchTemplate } from './hardening.js';
import type { Network } from './network.js';
import type { Tags } from './tags.js';

export interface RouterTier {
  loadBalancer: aws.lb.LoadBalancer;
  group: aws.autoscaling.Group;
  launchTemplate: aws.ec2.LaunchTemplate;
}

export interface RouterTierArgs {
  network: Network;
  imageId: pulumi.Input<string>;
  instanceType: string;
  volumeGb: number;
  size: { min: number; desired: number; max: number };
  ports: { http: number; https: number };
  routerSecurityGroupId: pulumi.Input<string>;
  loadBalancerSecurityGroupId: pulumi.Input<string>;
  instanceProfileArn: pulumi.Input<string>;
  /** Rendered cloud-config (a secret: it holds the router's NATS and Redis credentials). */
  userData: pulumi.Output<string>;
  tags: (role: string, name: string) => Tags;
}

export function createRouterTier(name: string, args: RouterTierArgs, opts: pulumi.CustomResourceOptions = {}): RouterTier {
  const tags = args.tags('router', name);
  const loadBalancer = new aws.lb.LoadBalancer(name, {
    loadBalancerType: 'network',
    internal: false,
    ipAddressType: 'ipv4',
    subnets: args.network.publicSubnets.map((subnet) => subnet.id),
    securityGroups: [args.loadBalancerSecurityGroupId],
    enableCrossZoneLoadBalancing: true,
    tags,
  }, opts);
  const child = { ...opts, parent: loadBalancer };

  const listeners = [
    { listen: 80, target: args.ports.http, label: 'http' },
    { listen: 443, target: args.ports.https, label: 'https' },
  ];
  const targetGroups = listeners.map(({ listen, target, label }) => {
    const group = new aws.lb.TargetGroup(`${name}-${label}`, {
      vpcId: args.network.vpc.id,
      port: target,
      protocol: 'TCP',
      targetType: 'instance',
      preserveClientIp: 'true',
      deregistrationDelay: 30,
      healthCheck: { protocol: 'TCP', port: 'traffic-port', interval: 10, healthyThreshold: 3, unhealthyThreshold: 3 },
      tags: args.tags('router', `${name}-${label}`),
    }, child);
    new aws.lb.Listener(`${name}-${label}`, {
      loadBalancerArn: loadBalancer.arn,
      port: listen,
      protocol: 'TCP',
      defaultActions: [{ type: 'forward', targetGroupArn: group.arn }],
      tags: args.tags('router', `${name}-${label}`),
    }, child);
    return group;
  });

  const launchTemplate = hardenedLaunchTemplate(name, {
    description: 'Slipway router',
    imageId: args.imageId,
    instanceType: args.instanceType,
    instanceProfileArn: args.instanceProfileArn,
    securityGroupId: args.routerSecurityGroupId,
    volumeGb: args.volumeGb,
    userData: args.userData,
    tags,
  }, opts);

  const group = new aws.autoscaling.Group(name, {
    minSize: args.size.min,
    desiredCapacity: args.size.desired,
    maxSize: args.size.max,
    vpcZoneIdentifiers: args.network.privateSubnets.map((subnet) => subnet.id),
    launchTemplate: { id: launchTemplate.id, version: launchTemplate.latestVersion.apply(String) },
    targetGroupArns: targetGroups.map((group) => group.arn),
    healthCheckType: 'ELB',
    healthCheckGracePeriod: 300,
    // A new launch template version (image, user-data) replaces routers a few at a time.
    instanceRefresh: { strategy: 'Rolling', preferences: { minHealthyPercentage: 50 } },
    tags: Object.entries(tags).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
  }, opts);

  return { loadBalancer, group, launchTemplate };
}
