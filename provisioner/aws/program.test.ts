// The infra program, run offline against Pulumi's mocks: the security posture, IMDSv2,
// encryption, least privilege, zones, the engine and router groups' sizes, the engine hosts'
// enrollment secret and outputs, read off the resources it registers.
import * as pulumi from '@pulumi/pulumi';
import { beforeAll, describe, expect, test } from 'vitest';
import { parseCloudConfig } from './cloud-init.js';
import { parseInfraSettings, type InfraConfig } from './config.js';
import { AGENT_ENV_FILE } from './engine-user-data.js';
import { deriveEnrollmentSecret } from './enrollment-secret.js';
import { ECR_PULL_ACTIONS } from './iam-policies.js';
import { installPulumiMocks, isSecret, resolve, type MockRecorder, type RecordedResource } from './testing/mock-pulumi.js';

const T = {
  vpc: 'aws:ec2/vpc:Vpc',
  subnet: 'aws:ec2/subnet:Subnet',
  nat: 'aws:ec2/natGateway:NatGateway',
  routeTable: 'aws:ec2/routeTable:RouteTable',
  sg: 'aws:ec2/securityGroup:SecurityGroup',
  ingress: 'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule',
  egress: 'aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule',
  launchTemplate: 'aws:ec2/launchTemplate:LaunchTemplate',
  asg: 'aws:autoscaling/group:Group',
  instance: 'aws:ec2/instance:Instance',
  lb: 'aws:lb/loadBalancer:LoadBalancer',
  targetGroup: 'aws:lb/targetGroup:TargetGroup',
  listener: 'aws:lb/listener:Listener',
  role: 'aws:iam/role:Role',
  rolePolicy: 'aws:iam/rolePolicy:RolePolicy',
  profile: 'aws:iam/instanceProfile:InstanceProfile',
  repository: 'aws:ecr/repository:Repository',
  creationTemplate: 'aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate',
  scanning: 'aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration',
  endpoint: 'aws:ec2/vpcEndpoint:VpcEndpoint',
  redis: 'aws:elasticache/replicationGroup:ReplicationGroup',
  bucket: 'aws:s3/bucket:Bucket',
  kms: 'aws:kms/key:Key',
  record: 'aws:route53/record:Record',
} as const;

const VPC_CIDR = '10.42.0.0/16';
const CONTROL_PLANE_NATS_PASSWORD = 'cp-nats-password-0123456789';
const ENROLLMENT_SECRET = deriveEnrollmentSecret(CONTROL_PLANE_NATS_PASSWORD);

function testConfig(raw: Record<string, string> = {}): InfraConfig {
  return {
    settings: parseInfraSettings({ domain: 'apps.example.com', ...raw }),
    secrets: {
      adminToken: pulumi.secret(`slw_0123456789abcdef_${'A'.repeat(43)}`),
      natsControlPlanePassword: pulumi.secret(CONTROL_PLANE_NATS_PASSWORD),
      natsRouterPassword: pulumi.secret('router-nats-password-0123456789'),
      redisPassword: pulumi.secret('redis-password-0123456789abc'),
    },
  };
}

let mocks: MockRecorder;
let program: typeof import('./program.js');

beforeAll(async () => {
  mocks = await installPulumiMocks('production');
  // Imported after the mocks are set, as Pulumi's testing guide asks.
  program = await import('./program.js');
});

async function build(config: InfraConfig) {
  mocks.reset();
  const outputs = await program.createInfrastructure(config, 'production');
  await mocks.settle();
  return outputs;
}

/** The subnets the engine group launches into, as subnet resources. */
function engineSubnets(): RecordedResource[] {
  const ids: string[] = mocks.named(T.asg, 'slipway-engine').inputs.vpcZoneIdentifiers;
  return ids.map((id) => {
    const subnet = mocks.ofType(T.subnet).find((s) => s.id === id);
    if (!subnet) throw new Error(`the engine group names ${id}, which is no subnet of the program`);
    return subnet;
  });
}

function sgId(name: string): string {
  return `slipway-${name}-id`;
}

function userDataOf(template: RecordedResource): ReturnType<typeof parseCloudConfig> {
  return parseCloudConfig(Buffer.from(template.inputs.userData, 'base64').toString('utf8'));
}

function envOf(userData: ReturnType<typeof parseCloudConfig>, path: string): Record<string, string> {
  const file = userData.write_files.find((f) => f.path === path);
  if (!file) throw new Error(`no ${path} in user-data`);
  return Object.fromEntries(file.content.trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
}

describe('with the default config (Redis on the control-plane host)', () => {
  let outputs: Awaited<ReturnType<typeof program.createInfrastructure>>;
  beforeAll(async () => {
    outputs = await build(testConfig());
  });

  test('only the load balancer admits the internet, and only on 80 and 443', () => {
    const open = mocks.ofType(T.ingress).filter((rule) => rule.inputs.cidrIpv4 === '0.0.0.0/0' || rule.inputs.cidrIpv6 !== undefined);
    expect(open.map((rule) => [rule.inputs.securityGroupId, rule.inputs.ipProtocol, rule.inputs.fromPort, rule.inputs.toPort]).sort()).toEqual([
      [sgId('loadBalancer'), 'tcp', 443, 443],
      [sgId('loadBalancer'), 'tcp', 80, 80],
    ]);
    const loadBalancerRules = mocks.ofType(T.ingress).filter((rule) => rule.inputs.securityGroupId === sgId('loadBalancer'));
    expect(loadBalancerRules).toHaveLength(2);
  });

  test('every other ingress comes from a named group or, for the ECR endpoints, the VPC block', () => {
    const others = mocks.ofType(T.ingress).filter((rule) => rule.inputs.securityGroupId !== sgId('loadBalancer'));
    expect(others.length).toBeGreaterThan(0);
    for (const rule of others) {
      expect(rule.inputs.ipProtocol).not.toBe('-1');
      if (rule.inputs.cidrIpv4 !== undefined) {
        expect([rule.inputs.securityGroupId, rule.inputs.cidrIpv4, rule.inputs.fromPort]).toEqual([sgId('endpoints'), VPC_CIDR, 443]);
      } else {
        expect(rule.inputs.referencedSecurityGroupId).toMatch(/^slipway-[A-Za-z]+-id$/);
      }
    }
    // groups carry no inline rules that could widen this
    for (const group of mocks.ofType(T.sg)) {
      expect(group.inputs.ingress ?? []).toEqual([]);
      expect(group.inputs.egress ?? []).toEqual([]);
    }
  });

  test('NATS, Redis and the API admit only platform groups; the VPC endpoints (registry) only the VPC', () => {
    const sources = (port: number) =>
      mocks
        .ofType(T.ingress)
        .filter((rule) => rule.inputs.fromPort <= port && port <= rule.inputs.toPort)
        .map((rule) => `${rule.inputs.securityGroupId} <- ${rule.inputs.referencedSecurityGroupId ?? rule.inputs.cidrIpv4}`)
        .sort();
    expect(sources(4222)).toEqual([`${sgId('controlPlane')} <- ${sgId('engine')}`, `${sgId('controlPlane')} <- ${sgId('router')}`]);
    expect(sources(6379)).toEqual([`${sgId('controlPlane')} <- ${sgId('router')}`]);
    expect(sources(5780)).toEqual([`${sgId('controlPlane')} <- ${sgId('router')}`]);
    expect(sources(5000)).toEqual([]);
    const endpoints = mocks.ofType(T.endpoint).filter((e) => e.inputs.vpcEndpointType === 'Interface');
    expect(endpoints.map((e) => e.inputs.serviceName).sort()).toEqual(['com.amazonaws.us-east-1.ecr.api', 'com.amazonaws.us-east-1.ecr.dkr']);
    for (const endpoint of endpoints) expect(endpoint.inputs.securityGroupIds).toEqual([sgId('endpoints')]);
  });

  test('no rule anywhere opens the Docker Engine API ports 2375/2376', () => {
    const rules = [...mocks.ofType(T.ingress), ...mocks.ofType(T.egress)];
    expect(rules.length).toBeGreaterThan(10);
    for (const rule of rules) {
      for (const port of [2375, 2376]) {
        expect(rule.inputs.fromPort).not.toBe(port);
        expect(rule.inputs.toPort).not.toBe(port);
      }
    }
    for (const rule of mocks.ofType(T.ingress)) {
      expect([2375, 2376].some((port) => rule.inputs.fromPort <= port && port <= rule.inputs.toPort)).toBe(false);
    }
  });

  test('nothing but the load balancer and NAT gateways sits in a public subnet or gets a public address', () => {
    const subnets = mocks.ofType(T.subnet);
    const publicIds = subnets.filter((s) => s.name.includes('-public-')).map((s) => s.name);
    expect(publicIds).toHaveLength(2);
    for (const subnet of subnets) expect(subnet.inputs.mapPublicIpOnLaunch).toBe(false);
    const lb = mocks.named(T.lb, 'slipway-router');
    expect(lb.inputs).toMatchObject({ loadBalancerType: 'network', internal: false, securityGroups: [sgId('loadBalancer')] });
    for (const instance of mocks.ofType(T.instance)) expect(instance.inputs.associatePublicIpAddress).toBe(false);
    const asg = mocks.named(T.asg, 'slipway-router');
    expect(asg.inputs.vpcZoneIdentifiers).toHaveLength(2);
    expect(asg.inputs.vpcZoneIdentifiers).not.toEqual(expect.arrayContaining(lb.inputs.subnets));
  });

  test('public and private subnets are spread over two zones, with a NAT gateway per zone', () => {
    const subnets = mocks.ofType(T.subnet);
    const zonesOf = (kind: string) => new Set(subnets.filter((s) => s.name.includes(`-${kind}-`)).map((s) => s.inputs.availabilityZone));
    expect([...zonesOf('public')].sort()).toEqual(['us-east-1a', 'us-east-1b']);
    expect([...zonesOf('private')].sort()).toEqual(['us-east-1a', 'us-east-1b']);
    expect(mocks.ofType(T.nat)).toHaveLength(2);
    const privateTables = mocks.ofType(T.routeTable).filter((table) => table.name.includes('-private-'));
    expect(new Set(privateTables.map((table) => table.inputs.routes[0].natGatewayId)).size).toBe(2);
    expect(mocks.named(T.vpc, 'slipway').inputs.cidrBlock).toBe(VPC_CIDR);
  });

  test('every launch template and instance requires IMDSv2 (hop limit 1) and encrypts its volumes', () => {
    const templates = mocks.ofType(T.launchTemplate);
    expect(templates.map((t) => t.name).sort()).toEqual(['slipway-engine', 'slipway-router']);
    for (const template of templates) {
      expect(template.inputs.metadataOptions).toEqual({ httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1, instanceMetadataTags: 'disabled' });
      expect(template.inputs.blockDeviceMappings).toHaveLength(1);
      expect(template.inputs.blockDeviceMappings[0].ebs.encrypted).toBe('true');
    }
    const controlPlane = mocks.named(T.instance, 'slipway-control-plane');
    expect(controlPlane.inputs.metadataOptions.httpTokens).toBe('required');
    expect(controlPlane.inputs.rootBlockDevice.encrypted).toBe(true);
  });

  test('engine hosts may pull from ECR and do nothing else', () => {
    const engineRole = mocks.named(T.rolePolicy, 'slipway-engine');
    const policy = JSON.parse(engineRole.inputs.policy);
    const actions = policy.Statement.flatMap((s: { Action: string[] }) => s.Action).sort();
    expect(actions).toEqual(['ecr:GetAuthorizationToken', ...ECR_PULL_ACTIONS].sort());
    const pull = policy.Statement.find((s: { Sid: string }) => s.Sid === 'PullImages');
    expect(pull.Resource).toEqual([
      'arn:aws:ecr:us-east-1:123456789012:repository/slipway/production/apps/*',
      'arn:aws:mock:us-east-1:123456789012:ecr/repository/slipway-agent',
    ]);
    expect(policy.Statement.every((s: { Effect: string }) => s.Effect === 'Allow')).toBe(true);
    // only inline policies: no managed policy (SSM, CloudWatch...) is attached to any role
    expect(mocks.ofType('aws:iam/rolePolicyAttachment:RolePolicyAttachment')).toEqual([]);
    const engineTemplate = mocks.named(T.launchTemplate, 'slipway-engine');
    expect(engineTemplate.inputs.iamInstanceProfile.arn).toBe('arn:aws:iam::123456789012:instance-profile/slipway-engine');
    expect(engineTemplate.inputs.vpcSecurityGroupIds).toEqual([sgId('engine')]);
  });

  test('engine hosts are an auto scaling group across the private subnets of both zones, sized by config, never shrunk by AWS on its own', () => {
    const group = mocks.named(T.asg, 'slipway-engine');
    expect([group.inputs.minSize, group.inputs.desiredCapacity, group.inputs.maxSize]).toEqual([0, 2, 10]);
    expect(engineSubnets().map((subnet) => subnet.name.includes('-private-'))).toEqual([true, true]);
    expect(engineSubnets().map((subnet) => subnet.inputs.availabilityZone).sort()).toEqual(['us-east-1a', 'us-east-1b']);
    expect(group.inputs.launchTemplate.id).toMatch(/^lt-/);
    // only a drained host's TerminateInstanceInAutoScalingGroup ends an engine host
    expect(group.inputs.protectFromScaleIn).toBe(true);
    expect(group.inputs.suspendedProcesses).toEqual(['AZRebalance']);
    expect(group.inputs.instanceRefresh).toBeUndefined();
    expect(group.inputs.healthCheckType).toBe('EC2');
    expect(group.inputs.waitForCapacityTimeout).toBe('0');
    expect(group.inputs.tags).toContainEqual({ key: 'slipway:role', value: 'engine-host', propagateAtLaunch: true });
    // engine hosts exist only as the group's instances
    expect(mocks.ofType(T.instance).map((i) => i.name)).toEqual(['slipway-control-plane']);
  });

  test('the engine template carries the enrollment secret as a secret, and no host\'s own credentials', () => {
    const engineTemplate = mocks.named(T.launchTemplate, 'slipway-engine');
    expect(engineTemplate.secretPaths).toContain('userData');
    const userData = userDataOf(engineTemplate);
    const env = envOf(userData, AGENT_ENV_FILE);
    expect(env.SLIPWAY_ENROLLMENT_SECRET).toBe(ENROLLMENT_SECRET);
    expect(env.SLIPWAY_NATS_URL).toBe('nats://nats.slipway.internal:4222');
    expect(env.SLIPWAY_HOST_ID).toBeUndefined();
    expect(env.SLIPWAY_HOST_TOKEN).toBeUndefined();
    const text = Buffer.from(engineTemplate.inputs.userData, 'base64').toString('utf8');
    expect(text).not.toContain(CONTROL_PLANE_NATS_PASSWORD);
    expect(text).not.toMatch(/slwh_|slw_/);
    // the agent keeps the identity it enrolls for on the host, in a volume of its own
    expect(text).toContain('--volume /var/lib/slipway/agent:/var/lib/slipway/agent');
    // the secret is readable by engine hosts and the control plane only: not by routers
    const router = Buffer.from(mocks.named(T.launchTemplate, 'slipway-router').inputs.userData, 'base64').toString('utf8');
    expect(router).not.toContain(ENROLLMENT_SECRET);
  });

  test('the control plane may size the engine group and end its instances, and nothing else in EC2', () => {
    const group = mocks.named(T.asg, 'slipway-engine');
    const policy = JSON.parse(mocks.named(T.rolePolicy, 'slipway-control-plane').inputs.policy);
    const scale = policy.Statement.find((s: { Sid: string }) => s.Sid === 'ScaleEngineGroup');
    expect(scale.Action).toEqual(['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup']);
    expect(scale.Resource).toMatch(/^arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:[0-9a-f-]+:autoScalingGroupName\/slipway-engine-0123abcd$/);
    const actions: string[] = policy.Statement.flatMap((s: { Action: string[] }) => s.Action);
    expect(actions.filter((a) => !a.startsWith('ecr:')).sort()).toEqual([
      'autoscaling:DescribeAutoScalingGroups',
      'autoscaling:DescribeAutoScalingInstances',
      'autoscaling:SetDesiredCapacity',
      'autoscaling:TerminateInstanceInAutoScalingGroup',
    ]);
    expect(group.inputs.maxSize).toBe(10);
  });

  test('the router group follows the configured size and sits behind both listeners', () => {
    const asg = mocks.named(T.asg, 'slipway-router');
    expect([asg.inputs.minSize, asg.inputs.desiredCapacity, asg.inputs.maxSize]).toEqual([2, 2, 4]);
    expect(asg.inputs.targetGroupArns).toHaveLength(2);
    const listeners = mocks.ofType(T.listener).map((l) => [l.inputs.port, l.inputs.protocol]).sort();
    expect(listeners).toEqual([[443, 'TCP'], [80, 'TCP']]);
    const targets = mocks.ofType(T.targetGroup).map((g) => [g.inputs.port, g.inputs.healthCheck.protocol]).sort();
    expect(targets).toEqual([[8080, 'TCP'], [8443, 'TCP']]);
  });

  test('user-data with credentials is a secret, and the router joins NATS and Redis inside the VPC', () => {
    const router = mocks.named(T.launchTemplate, 'slipway-router');
    expect(router.secretPaths).toContain('userData');
    expect(mocks.named(T.instance, 'slipway-control-plane').secretPaths).toContain('userData');
    const env = envOf(userDataOf(router), '/etc/slipway/router.env');
    expect(env.SLIPWAY_NATS_URL).toBe('nats://router:router-nats-password-0123456789@nats.slipway.internal:4222');
    expect(env.SLIPWAY_REDIS_URL).toBe('redis://:redis-password-0123456789abc@redis.slipway.internal:6379');
  });

  test('the control plane gets the engine group, the capacity of one engine host and the enrollment secret', async () => {
    const userData = parseCloudConfig(mocks.named(T.instance, 'slipway-control-plane').inputs.userData);
    const env = envOf(userData, '/etc/slipway/api.env');
    expect(env).toMatchObject({
      SLIPWAY_HOST_PROVIDER: 'aws',
      SLIPWAY_AWS_REGION: 'us-east-1',
      SLIPWAY_AWS_ENGINE_GROUP: await resolve(outputs.engineGroup),
      SLIPWAY_AWS_ENGINE_MEMORY_MB: '8192',
      SLIPWAY_AWS_ENGINE_CPUS: '2',
      SLIPWAY_ENROLLMENT_SECRET: ENROLLMENT_SECRET,
      SLIPWAY_LOCAL_HOSTS: '0',
    });
    expect(env.SLIPWAY_AWS_ENGINE_GROUP).toBe('slipway-engine-0123abcd');
    expect(mocks.calls.find((c) => c.token === 'aws:ec2/getInstanceType:getInstanceType')?.inputs).toEqual({ instanceType: 't3.large' });
    expect(env.SLIPWAY_REDIS_URL).toBe('redis://:redis-password-0123456789abc@127.0.0.1:6379');
    expect(userData.packages).toContain('redis-server');
    // NATS admits enrolling hosts from its first start
    const auth = userData.write_files.find((f) => f.path.endsWith('/auth/auth.conf'))!;
    expect(auth.content).toContain(`{ user: "enroll", password: "${ENROLLMENT_SECRET}"`);
  });

  test('images: immutable tags and scan on push, app repositories created on push', () => {
    const repositories = mocks.ofType(T.repository);
    expect(repositories.map((r) => r.inputs.name).sort()).toEqual(['slipway/production/agent', 'slipway/production/api', 'slipway/production/router']);
    for (const repository of repositories) {
      expect(repository.inputs.imageTagMutability).toBe('IMMUTABLE');
      expect(repository.inputs.imageScanningConfiguration).toEqual({ scanOnPush: true });
    }
    const template = mocks.named(T.creationTemplate, 'slipway-apps');
    expect(template.inputs).toMatchObject({ prefix: 'slipway/production/apps', appliedFors: ['CREATE_ON_PUSH'], imageTagMutability: 'IMMUTABLE' });
    expect(mocks.named(T.scanning, 'slipway-scanning').inputs.rules[0].scanFrequency).toBe('SCAN_ON_PUSH');
  });

  test('no ElastiCache without managedRedis; internal names point at the control plane', () => {
    expect(mocks.ofType(T.redis)).toEqual([]);
    expect(mocks.ofType(T.record).map((r) => r.inputs.name).sort()).toEqual(['api.slipway.internal', 'nats.slipway.internal', 'redis.slipway.internal']);
  });

  test('no Pulumi state of its own for hosts any more: no bucket, no key', () => {
    expect(mocks.ofType(T.bucket)).toEqual([]);
    expect(mocks.ofType(T.kms)).toEqual([]);
  });

  test('outputs: router address, API URL, NATS URL, DNS records, none of them secret', async () => {
    const routerAddress = await resolve(outputs.routerAddress);
    expect(routerAddress).toBe('slipway-router-0123.elb.us-east-1.amazonaws.com');
    expect(outputs.apiUrl).toBe('https://api.apps.example.com');
    expect(outputs.natsUrl).toBe('nats://nats.slipway.internal:4222');
    expect(await resolve(outputs.dnsRecords)).toEqual([
      { name: '*.apps.example.com', type: 'CNAME', value: routerAddress },
      { name: 'api.apps.example.com', type: 'CNAME', value: routerAddress },
    ]);
    expect(outputs.availabilityZones).toEqual(['us-east-1a', 'us-east-1b']);
    expect(await resolve(outputs.engineGroup)).toBe('slipway-engine-0123abcd');
    for (const output of [outputs.routerAddress, outputs.engineGroup, outputs.dnsRecords, outputs.controlPlanePrivateIp]) {
      expect(await isSecret(output)).toBe(false);
    }
  });
});

describe('with managed Redis, three zones, a single NAT gateway and other router sizes', () => {
  beforeAll(async () => {
    await build(
      testConfig({
        managedRedis: 'true',
        zoneCount: '3',
        natGateways: 'single',
        routerMin: '1',
        routerDesired: '3',
        routerMax: '5',
        engineMin: '1',
        engineDesired: '4',
        engineMax: '12',
        engineInstanceType: 'm6i.xlarge',
      }),
    );
  });

  test('the engine group follows the new size and spans the private subnets of all three zones', () => {
    const group = mocks.named(T.asg, 'slipway-engine');
    expect([group.inputs.minSize, group.inputs.desiredCapacity, group.inputs.maxSize]).toEqual([1, 4, 12]);
    expect(engineSubnets().every((subnet) => subnet.name.includes('-private-'))).toBe(true);
    expect(engineSubnets().map((subnet) => subnet.inputs.availabilityZone).sort()).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c']);
    expect(mocks.named(T.launchTemplate, 'slipway-engine').inputs.instanceType).toBe('m6i.xlarge');
  });

  test('the router group follows the new size', () => {
    const asg = mocks.named(T.asg, 'slipway-router');
    expect([asg.inputs.minSize, asg.inputs.desiredCapacity, asg.inputs.maxSize]).toEqual([1, 3, 5]);
    expect(asg.inputs.vpcZoneIdentifiers).toHaveLength(3);
  });

  test('subnets cover three zones and share one NAT gateway', () => {
    const zones = new Set(mocks.ofType(T.subnet).map((s) => s.inputs.availabilityZone));
    expect([...zones].sort()).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c']);
    expect(mocks.ofType(T.nat)).toHaveLength(1);
  });

  test('ElastiCache: encrypted at rest and in transit, AUTH token secret, own group, private subnets', () => {
    const [redis] = mocks.ofType(T.redis);
    expect(redis).toBeDefined();
    expect(redis!.inputs).toMatchObject({
      atRestEncryptionEnabled: true,
      transitEncryptionEnabled: true,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      securityGroupIds: [sgId('redis')],
    });
    expect(redis!.secretPaths).toContain('authToken');
    const subnetGroup = mocks.ofType('aws:elasticache/subnetGroup:SubnetGroup')[0]!;
    const privateIds = mocks.ofType(T.subnet).filter((s) => s.name.includes('-private-'));
    expect(subnetGroup.inputs.subnetIds).toHaveLength(privateIds.length);
    const redisIngress = mocks.ofType(T.ingress).filter((rule) => rule.inputs.fromPort === 6379);
    expect(redisIngress.map((rule) => `${rule.inputs.securityGroupId} <- ${rule.inputs.referencedSecurityGroupId}`).sort()).toEqual([
      `${sgId('redis')} <- ${sgId('controlPlane')}`,
      `${sgId('redis')} <- ${sgId('router')}`,
    ]);
  });

  test('control plane and routers use the managed endpoint over TLS; no Redis on the host', () => {
    const userData = parseCloudConfig(mocks.named(T.instance, 'slipway-control-plane').inputs.userData);
    expect(userData.packages).not.toContain('redis-server');
    expect(envOf(userData, '/etc/slipway/api.env').SLIPWAY_REDIS_URL).toBe(
      'rediss://:redis-password-0123456789abc@master.slipway-redis.abc123.use1.cache.amazonaws.com:6379',
    );
    const routerEnv = envOf(userDataOf(mocks.named(T.launchTemplate, 'slipway-router')), '/etc/slipway/router.env');
    expect(routerEnv.SLIPWAY_REDIS_URL).toMatch(/^rediss:\/\/.+cache\.amazonaws\.com:6379$/);
    expect(mocks.ofType(T.record).map((r) => r.inputs.name)).not.toContain('redis.slipway.internal');
  });
});

test('zones: at least two, from config or the region', () => {
  expect(program.pickZones({ zoneCount: 2, availabilityZones: undefined }, ['a', 'b', 'c'])).toEqual(['a', 'b']);
  expect(program.pickZones({ zoneCount: 2, availabilityZones: ['x', 'y', 'z'] }, [])).toEqual(['x', 'y', 'z']);
  expect(() => program.pickZones({ zoneCount: 2, availabilityZones: undefined }, ['a'])).toThrow(/at least two availability zones/);
});
