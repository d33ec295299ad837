// Security groups and their rules, created from the posture in security-rules.ts. Groups are
// created empty (the provider removes AWS's default allow-all egress) and every rule is its
// own resource, so the posture is exactly the list of rules and nothing else.
import * as aws from '@pulumi/aws';
import type * as pulumi from '@pulumi/pulumi';
import { GROUP_DESCRIPTIONS, groupNames, securityRules, type GroupName, type PostureInput } from './security-rules.js';
import type { Tags } from './tags.js';

export type SecurityGroups = Partial<Record<GroupName, aws.ec2.SecurityGroup>> &
  Record<Exclude<GroupName, 'redis'>, aws.ec2.SecurityGroup>;

export function createSecurityGroups(
  name: string,
  args: { vpcId: pulumi.Input<string>; posture: PostureInput; tags: (role: string, name: string) => Tags },
  opts: pulumi.CustomResourceOptions = {},
): SecurityGroups {
  const groups: Partial<Record<GroupName, aws.ec2.SecurityGroup>> = {};
  for (const group of groupNames(args.posture)) {
    groups[group] = new aws.ec2.SecurityGroup(`${name}-${group}`, {
      vpcId: args.vpcId,
      description: GROUP_DESCRIPTIONS[group],
      revokeRulesOnDelete: true,
      tags: args.tags('security', `${name}-${group}`),
    }, opts);
  }
  const groupId = (group: GroupName) => {
    const found = groups[group];
    if (!found) throw new Error(`security group ${group} was not created`);
    return found.id;
  };
  for (const rule of securityRules(args.posture)) {
    // Named by content, so adding or removing one rule never renames (replaces) the others.
    const peer = 'cidr' in rule.peer ? rule.peer.cidr.replace(/[./]/g, '-') : rule.peer.group;
    const ports = rule.fromPort === rule.toPort ? `${rule.fromPort}` : `${rule.fromPort}-${rule.toPort}`;
    const ruleName = `${name}-${rule.group}-${rule.direction}-${rule.protocol}-${ports}-${peer}`;
    const common = {
      securityGroupId: groupId(rule.group),
      ipProtocol: rule.protocol,
      fromPort: rule.fromPort,
      toPort: rule.toPort,
      description: rule.description,
      ...('cidr' in rule.peer ? { cidrIpv4: rule.peer.cidr } : { referencedSecurityGroupId: groupId(rule.peer.group) }),
      tags: args.tags('security', ruleName),
    };
    const parent = { ...opts, parent: groups[rule.group] };
    if (rule.direction === 'ingress') new aws.vpc.SecurityGroupIngressRule(ruleName, common, parent);
    else new aws.vpc.SecurityGroupEgressRule(ruleName, common, parent);
  }
  return groups as SecurityGroups;
}
