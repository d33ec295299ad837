// The infra stack: everything Slipway runs on AWS, engine hosts included (an auto scaling
// group whose instances enroll with the control plane for identities of their own). An inline
// program for the Automation API (`slipway infra up`).
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { ConfigError } from '../../common/errors.js';
import { debianImageId } from './ami.js';
import { readInfraConfig, type InfraConfig, type InfraSettings } from './config.js';
import { createControlPlaneHost } from './control-plane.js';
import { renderControlPlaneUserData } from './control-plane-user-data.js';
import { NATS_PORT, redisUrl, WAKE_PORT } from './endpoints.js';
import { createEngineGroup } from './engine-group.js';
import { renderEngineUserData } from './engine-user-data.js';
import { deriveEnrollmentSecret } from './enrollment-secret.js';
import { DEFAULT_ENROLL_TIMEOUT_SECONDS, type AwsHostSettings } from '../../host-providers/aws/hosts-settings.js';
import { createMachineRole } from './iam.js';
import { controlPlanePolicy, ecrPullPolicy, ENGINE_HOST_ROLE, repositoryPrefixArn } from './iam-policies.js';
import { createInternalZone } from './internal-dns.js';
import { createNetwork } from './network.js';
import { createManagedRedis } from './redis.js';
import { createRegistry, type AccountInfo } from './registry.js';
import { renderRouterUserData } from './router-user-data.js';
import { createRouterTier } from './routers.js';
import { createSecurityGroups } from './security.js';
import { stackTags } from './tags.js';
import { createRegistryEndpoints } from './vpc-endpoints.js';

export const INFRA_PROJECT = 'slipway';
/** Logical-name prefix of every resource in the infra stack. */
const PREFIX = 'slipway';

export interface DnsRecord {
  name: string;
  type: 'CNAME';
  value: string;
}

export interface InfraOutputs {
  /** DNS name of the network load balancer: point `*.<domain>` and `api.<domain>` at it. */
  routerAddress: pulumi.Output<string>;
  apiUrl: string;
  /** NATS inside the VPC (hosts and routers connect with their own credentials). */
  natsUrl: string;
  appsDomain: string;
  dnsRecords: pulumi.Output<DnsRecord[]>;
  registry: pulumi.Output<string>;
  appRepositoryPrefix: string;
  availabilityZones: string[];
  vpcId: pulumi.Output<string>;
  controlPlanePrivateIp: pulumi.Output<string>;
  redis: pulumi.Output<string>;
  /** Name of the engine hosts' auto scaling group. */
  engineGroup: pulumi.Output<string>;
}

/** Pure: the zones to use, from config or from the region's available zones. */
export function pickZones(settings: Pick<InfraSettings, 'availabilityZones' | 'zoneCount'>, available: readonly string[]): string[] {
  const zones = settings.availabilityZones ?? available.slice(0, settings.zoneCount);
  if (zones.length < 2) {
    throw new ConfigError(`Slipway spreads over at least two availability zones; this region offers ${available.length}`);
  }
  return [...zones];
}

function accountInfo(): pulumi.Output<AccountInfo> {
  return pulumi
    .output(Promise.all([aws.getCallerIdentity({}), aws.getRegion({}), aws.getPartition({})]))
    .apply(([identity, region, partition]) => ({
      accountId: identity.accountId,
      region: region.region,
      partition: partition.partition,
      dnsSuffix: partition.dnsSuffix,
    }));
}

export async function createInfrastructure(config: InfraConfig, stack = pulumi.getStack()): Promise<InfraOutputs> {
  const { settings, secrets } = config;
  const tags = stackTags(stack);
  const available = settings.availabilityZones ? [] : (await aws.getAvailabilityZones({ state: 'available' })).names;
  const zones = pickZones(settings, available);
  const account = accountInfo();
  const region = account.apply((a) => a.region);

  const network = createNetwork(PREFIX, { cidr: settings.vpcCidr, zones, natGateways: settings.natGateways, tags });
  const groups = createSecurityGroups(PREFIX, {
    vpcId: network.vpc.id,
    tags,
    posture: {
      vpcCidr: settings.vpcCidr,
      routerHttpPort: settings.routerHttpPort,
      routerHttpsPort: settings.routerHttpsPort,
      apiPort: settings.apiPort,
      appPorts: { from: settings.appPortFrom, to: settings.appPortTo },
      managedRedis: settings.managedRedis,
    },
  });
  const registry = createRegistry(PREFIX, {
    stack,
    account,
    imageTag: settings.platformImageTag,
    manageScanning: settings.manageRegistryScanning,
    tags,
  });
  createRegistryEndpoints(`${PREFIX}-endpoint`, { network, region, securityGroupId: groups.endpoints.id, tags });
  const imageId = debianImageId(settings.amiId);
  const appRepositoriesArn = account.apply((a) => repositoryPrefixArn(a.partition, a.region, a.accountId, registry.appPrefix));

  const engineRole = createMachineRole(`${PREFIX}-engine`, {
    description: 'Slipway engine hosts: pull app and agent images from ECR, nothing else',
    policy: pulumi
      .all([appRepositoriesArn, registry.repositories.agent.arn])
      .apply(([apps, agent]) => JSON.stringify(ecrPullPolicy([apps, agent]))),
    tags: tags(ENGINE_HOST_ROLE, `${PREFIX}-engine`),
  });
  const routerRole = createMachineRole(`${PREFIX}-router`, {
    description: 'Slipway routers: pull the router image from ECR, nothing else',
    policy: registry.repositories.router.arn.apply((arn) => JSON.stringify(ecrPullPolicy([arn]))),
    tags: tags('router', `${PREFIX}-router`),
  });
  const managedRedis = settings.managedRedis
    ? createManagedRedis(`${PREFIX}-redis`, {
        subnetIds: network.privateSubnets.map((subnet) => subnet.id),
        securityGroupId: groups.redis!.id,
        nodeType: settings.redisNodeType,
        authToken: secrets.redisPassword,
        tags,
      })
    : null;

  const natsAddress = `nats.${settings.internalDomain}:${NATS_PORT}`;
  const apiHostname = `api.${settings.domain}`;
  // A secret like its source: in the engine template's user-data and the control plane's env only.
  const enrollmentSecret = secrets.natsControlPlanePassword.apply(deriveEnrollmentSecret);
  const engine = createEngineGroup(`${PREFIX}-engine`, {
    imageId,
    instanceType: settings.engineInstanceType,
    volumeGb: settings.engineVolumeGb,
    size: { min: settings.engineMin, desired: settings.engineDesired, max: settings.engineMax },
    subnetIds: network.privateSubnets.map((subnet) => subnet.id),
    securityGroupId: groups.engine.id,
    instanceProfileArn: engineRole.profile.arn,
    userData: pulumi
      .all([registry.host, registry.image('agent'), enrollmentSecret])
      .apply(([registryHost, agentImage, secret]) => renderEngineUserData({ enrollmentSecret: secret, natsAddress, registry: registryHost, agentImage })),
    tags,
  });
  const controlPlaneRole = createMachineRole(`${PREFIX}-control-plane`, {
    description: 'Slipway control plane: push app images, size the engine group and end its drained hosts',
    policy: pulumi
      .all([appRepositoriesArn, registry.repositories.api.arn, engine.group.arn])
      .apply(([apps, api, group]) => JSON.stringify(controlPlanePolicy({ appRepositoriesArn: apps, platformRepositoryArns: [api], engineGroupArn: group }))),
    tags: tags('control-plane', `${PREFIX}-control-plane`),
  });
  const engineType = aws.ec2.getInstanceTypeOutput({ instanceType: settings.engineInstanceType });
  const engineHosts: pulumi.Output<AwsHostSettings> = pulumi
    .all([region, engine.group.name, engineType, enrollmentSecret])
    .apply(([regionName, groupName, type, secret]) => ({
      region: regionName,
      engineGroupName: groupName,
      engineCapacity: { memoryMb: type.memorySize, cpus: type.defaultVcpus },
      enrollmentSecret: secret,
      enrollTimeoutMs: DEFAULT_ENROLL_TIMEOUT_SECONDS * 1000,
      endpoint: null,
    }));

  const controlPlaneUserData = pulumi
    .all([registry.host, registry.image('api'), secrets.adminToken, secrets.natsControlPlanePassword, secrets.natsRouterPassword, secrets.redisPassword, managedRedis?.endpoint ?? '', engineHosts])
    .apply(([registryHost, apiImage, adminToken, natsControlPlane, natsRouter, redisPassword, redisEndpoint, hosts]) =>
      renderControlPlaneUserData({
        registry: registryHost,
        apiImage,
        apiPort: settings.apiPort,
        apiHostname,
        domain: settings.domain,
        appRepositoryPrefix: registry.appPrefix,
        adminToken,
        natsPasswords: { controlPlane: natsControlPlane, router: natsRouter },
        redis: settings.managedRedis ? { kind: 'managed', endpoint: redisEndpoint, authToken: redisPassword } : { kind: 'on-host', password: redisPassword },
        engineHosts: hosts,
      }),
    );
  const controlPlane = createControlPlaneHost(`${PREFIX}-control-plane`, {
    imageId,
    instanceType: settings.controlPlaneInstanceType,
    volumeGb: settings.controlPlaneVolumeGb,
    subnetId: network.privateSubnets[0]!.id,
    securityGroupId: groups.controlPlane.id,
    instanceProfileName: controlPlaneRole.profile.name,
    userData: controlPlaneUserData,
    tags,
  });
  const internalZone = createInternalZone(`${PREFIX}-internal`, {
    domain: settings.internalDomain,
    vpcId: network.vpc.id,
    records: {
      nats: controlPlane.privateIp,
      api: controlPlane.privateIp,
      ...(settings.managedRedis ? {} : { redis: controlPlane.privateIp }),
    },
    tags,
  });

  const routerRedisUrl = pulumi
    .all([secrets.redisPassword, managedRedis?.endpoint ?? ''])
    .apply(([password, endpoint]) =>
      redisUrl(settings.managedRedis ? { kind: 'managed', host: endpoint, password } : { kind: 'on-host', host: `redis.${settings.internalDomain}`, password }),
    );
  const routers = createRouterTier(`${PREFIX}-router`, {
    network,
    imageId,
    instanceType: settings.routerInstanceType,
    volumeGb: settings.routerVolumeGb,
    size: { min: settings.routerMin, desired: settings.routerDesired, max: settings.routerMax },
    ports: { http: settings.routerHttpPort, https: settings.routerHttpsPort },
    routerSecurityGroupId: groups.router.id,
    loadBalancerSecurityGroupId: groups.loadBalancer.id,
    instanceProfileArn: routerRole.profile.arn,
    userData: pulumi
      .all([registry.host, registry.image('router'), secrets.natsRouterPassword, routerRedisUrl])
      .apply(([registryHost, routerImage, natsPassword, redis]) =>
        renderRouterUserData({
          registry: registryHost,
          routerImage,
          httpPort: settings.routerHttpPort,
          httpsPort: settings.routerHttpsPort,
          domain: settings.domain,
          natsAddress,
          natsPassword,
          redisUrl: redis,
          apiAddress: `api.${settings.internalDomain}:${settings.apiPort}`,
          wakeAddress: `api.${settings.internalDomain}:${WAKE_PORT}`,
        }),
      ),
    tags,
  }, { dependsOn: [internalZone] });

  return {
    routerAddress: routers.loadBalancer.dnsName,
    apiUrl: `https://${apiHostname}`,
    natsUrl: `nats://${natsAddress}`,
    appsDomain: settings.domain,
    dnsRecords: routers.loadBalancer.dnsName.apply((target) => [
      { name: `*.${settings.domain}`, type: 'CNAME' as const, value: target },
      { name: apiHostname, type: 'CNAME' as const, value: target },
    ]),
    registry: registry.host,
    appRepositoryPrefix: registry.appPrefix,
    availabilityZones: zones,
    vpcId: network.vpc.id,
    controlPlanePrivateIp: controlPlane.privateIp,
    redis: managedRedis ? managedRedis.endpoint : pulumi.output('on the control-plane host'),
    engineGroup: engine.group.name,
  };
}

/** The inline program `slipway infra` runs: reads the stack's config, builds everything. */
export function infraProgram(): Promise<InfraOutputs> {
  return createInfrastructure(readInfraConfig());
}
