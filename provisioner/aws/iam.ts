// One IAM role and instance profile per kind of machine, each with a single inline policy
// from iam-policies.ts and no managed policies: what the document says is all it may do.
import * as aws from '@pulumi/aws';
import type * as pulumi from '@pulumi/pulumi';
import { ec2TrustPolicy } from './iam-policies.js';
import type { Tags } from './tags.js';

export interface MachineRole {
  role: aws.iam.Role;
  profile: aws.iam.InstanceProfile;
  policy: aws.iam.RolePolicy;
}

export function createMachineRole(
  name: string,
  args: { description: string; policy: pulumi.Input<string>; tags: Tags },
  opts: pulumi.CustomResourceOptions = {},
): MachineRole {
  const role = new aws.iam.Role(name, {
    description: args.description,
    assumeRolePolicy: JSON.stringify(ec2TrustPolicy()),
    maxSessionDuration: 3600,
    tags: args.tags,
  }, opts);
  const policy = new aws.iam.RolePolicy(name, { role: role.id, policy: args.policy }, { ...opts, parent: role });
  const profile = new aws.iam.InstanceProfile(name, { role: role.name, tags: args.tags }, { ...opts, parent: role });
  return { role, profile, policy };
}
