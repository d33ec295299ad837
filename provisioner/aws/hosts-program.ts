// The hosts stack: one EC2 instance per engine host, launched from the infra stack's engine
// launch template (image, profile, security group, IMDSv2, encrypted volume) with user-data
// of its own that carries its own token. Removing a host from the config terminates exactly
// that instance; a token lives in this stack's state only as a Pulumi secret.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { renderEngineUserData } from './engine-user-data.js';
import { HostSetError, parseHostSet, parsePlacements } from './host-set.js';
import { HOSTS_CONFIG } from './hosts-stack-config.js';
import { ENGINE_HOST_ROLE } from './iam-policies.js';
import { HOST_ID_TAG, ROLE_TAG, STACK_TAG } from './tags.js';

export interface HostsProgramInput {
  infraStack: string;
  launchTemplateId: string;
  engineInstanceType: string;
  natsAddress: string;
  registry: string;
  agentImage: string;
  /** host id → subnet id */
  placements: Record<string, string>;
  /** host id → token, a secret */
  tokens: pulumi.Output<Record<string, string>>;
}

export interface EngineHostOutput {
  instanceId: string;
  address: string;
  availabilityZone: string;
  subnetId: string;
  capacity: { memoryMb: number; cpus: number };
}

export interface HostsOutputs {
  hosts: pulumi.Output<Record<string, EngineHostOutput>>;
}

/** Pure: a host's token; a host without one fails the program instead of booting without credentials. */
export function tokenFor(tokens: Readonly<Record<string, string>>, hostId: string): string {
  const found = tokens[hostId];
  if (!found) throw new HostSetError(`host ${hostId} has no token`);
  return found;
}

function key(fullKey: string): string {
  return fullKey.slice(fullKey.indexOf(':') + 1);
}

export function readHostsProgramInput(config = new pulumi.Config('slipway')): HostsProgramInput {
  const placementsJson = config.get(key(HOSTS_CONFIG.placements));
  const tokensJson = config.getSecret(key(HOSTS_CONFIG.tokens)) ?? pulumi.secret('{}');
  const placements = parsePlacements(placementsJson);
  return {
    infraStack: config.require(key(HOSTS_CONFIG.infraStack)),
    launchTemplateId: config.require(key(HOSTS_CONFIG.launchTemplateId)),
    engineInstanceType: config.require(key(HOSTS_CONFIG.engineInstanceType)),
    natsAddress: config.require(key(HOSTS_CONFIG.natsAddress)),
    registry: config.require(key(HOSTS_CONFIG.registry)),
    agentImage: config.require(key(HOSTS_CONFIG.agentImage)),
    placements,
    tokens: tokensJson.apply((json) => parseHostSet(placementsJson, json).tokens),
  };
}

export function createEngineHosts(input: HostsProgramInput): HostsOutputs {
  const instanceType = aws.ec2.getInstanceTypeOutput({ instanceType: input.engineInstanceType });
  const capacity = instanceType.apply((type) => ({ memoryMb: type.memorySize, cpus: type.defaultVcpus }));
  const hosts = Object.entries(input.placements).map(([hostId, subnetId]) => {
    const token = input.tokens.apply((tokens) => tokenFor(tokens, hostId));
    const userData = token.apply((secret) =>
      renderEngineUserData({ hostId, token: secret, natsAddress: input.natsAddress, registry: input.registry, agentImage: input.agentImage }),
    );
    const instance = new aws.ec2.Instance(`host-${hostId}`, {
      launchTemplate: { id: input.launchTemplateId, version: '$Default' },
      subnetId,
      associatePublicIpAddress: false,
      userData: pulumi.secret(userData),
      // A new token (or agent image) means a new machine: the old one must not keep running.
      userDataReplaceOnChange: true,
      maintenanceOptions: { autoRecovery: 'default' },
      tags: {
        Name: `${input.infraStack}-host-${hostId}`,
        [STACK_TAG]: input.infraStack,
        [ROLE_TAG]: ENGINE_HOST_ROLE,
        [HOST_ID_TAG]: hostId,
      },
    });
    return pulumi
      .all([instance.id, instance.privateIp, instance.availabilityZone, capacity])
      .apply(([instanceId, address, availabilityZone, hostCapacity]): [string, EngineHostOutput] => [
        hostId,
        { instanceId, address, availabilityZone, subnetId, capacity: hostCapacity },
      ]);
  });
  return { hosts: pulumi.all(hosts).apply((entries) => Object.fromEntries(entries)) };
}

export function hostsProgram(): Promise<HostsOutputs> {
  return Promise.resolve(createEngineHosts(readHostsProgramInput()));
}
