// Test support: runs Pulumi programs offline with `pulumi.runtime.setMocks`, recording every
// resource registered (type, name, inputs, and which inputs were secrets) and answering the
// AWS data sources the programs call. Any other data source fails the test.
import * as pulumi from '@pulumi/pulumi';

export interface RecordedResource {
  type: string;
  name: string;
  /** The id the mocks gave it (what other resources receive as its `id`). */
  id: string;
  inputs: Record<string, any>;
  /** Dotted paths of inputs that were Pulumi secrets (e.g. `userData`). */
  secretPaths: string[];
}

export interface MockAccount {
  zones: string[];
  region: string;
  accountId: string;
  instanceType: { memorySize: number; defaultVcpus: number };
}

export const DEFAULT_ACCOUNT: MockAccount = {
  zones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
  region: 'us-east-1',
  accountId: '123456789012',
  instanceType: { memorySize: 8192, defaultVcpus: 2 },
};

export interface MockRecorder {
  resources: RecordedResource[];
  calls: { token: string; inputs: Record<string, any> }[];
  ofType(type: string): RecordedResource[];
  named(type: string, name: string): RecordedResource;
  /** Waits until every registration started so far has reached the mocks. */
  settle(): Promise<void>;
  /** Forgets what was recorded (after settle), to run another program. */
  reset(): void;
}

/** Unwraps Pulumi's secret envelopes, noting where they were. */
function unwrap(value: unknown, path: string, secrets: string[]): unknown {
  if (Array.isArray(value)) return value.map((item, index) => unwrap(item, `${path}[${index}]`, secrets));
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (record[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig) {
      secrets.push(path);
      return unwrap(record.value, path, secrets);
    }
    return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, unwrap(item, path ? `${path}.${key}` : key, secrets)]));
  }
  return value;
}

let counter = 0;
const hex = () => (++counter).toString(16).padStart(8, '0');

/** Provider-computed attributes the programs read, by resource type. */
function computed(type: string, name: string, inputs: Record<string, any>, account: MockAccount): { id: string; state: Record<string, unknown> } {
  const arn = `arn:aws:mock:${account.region}:${account.accountId}:${type.split(':')[1]}/${name}`;
  switch (type) {
    case 'aws:ec2/subnet:Subnet':
      return { id: `subnet-${hex()}`, state: { arn } };
    case 'aws:ec2/launchTemplate:LaunchTemplate':
      return { id: `lt-${hex()}`, state: { arn, latestVersion: 1, defaultVersion: 1 } };
    case 'aws:ec2/instance:Instance':
      return { id: `i-${hex()}`, state: { arn, privateIp: `10.42.0.${counter % 250}`, availabilityZone: account.zones[0] } };
    case 'aws:lb/loadBalancer:LoadBalancer':
      return { id: `${name}-id`, state: { arn, dnsName: `${name}-0123.elb.${account.region}.amazonaws.com` } };
    case 'aws:ecr/repository:Repository':
      return { id: inputs.name, state: { arn, repositoryUrl: `${account.accountId}.dkr.ecr.${account.region}.amazonaws.com/${inputs.name}` } };
    case 'aws:elasticache/replicationGroup:ReplicationGroup':
      return { id: name, state: { arn, primaryEndpointAddress: `master.${name}.abc123.use1.cache.amazonaws.com` } };
    case 'aws:kms/key:Key':
      return { id: `key-${hex()}`, state: { arn, keyId: `0000${hex()}-1111-2222-3333-444455556666` } };
    case 'aws:s3/bucket:Bucket':
      return { id: `${inputs.bucketPrefix}mock`, state: { arn: `arn:aws:s3:::${inputs.bucketPrefix}mock`, bucket: `${inputs.bucketPrefix}mock` } };
    case 'aws:iam/role:Role':
    case 'aws:iam/instanceProfile:InstanceProfile':
      return { id: `${name}-id`, state: { arn: `arn:aws:iam::${account.accountId}:${type.includes('role') ? 'role' : 'instance-profile'}/${name}`, name } };
    case 'aws:autoscaling/group:Group': {
      // AWS names an unnamed group after its logical name, with a suffix (Pulumi auto-naming).
      const groupName = inputs.name ?? `${name}-0123abcd`;
      return {
        id: groupName,
        state: { name: groupName, arn: `arn:aws:autoscaling:${account.region}:${account.accountId}:autoScalingGroup:00000000-1111-2222-3333-${hex()}0000:autoScalingGroupName/${groupName}` },
      };
    }
    case 'aws:route53/zone:Zone':
      return { id: `Z${hex()}`, state: { arn, zoneId: `Z${hex()}` } };
    default:
      return { id: `${name}-id`, state: { arn } };
  }
}

function answer(token: string, account: MockAccount): Record<string, unknown> {
  switch (token) {
    case 'aws:index/getAvailabilityZones:getAvailabilityZones':
      return { names: account.zones, zoneIds: account.zones.map((_, i) => `use1-az${i + 1}`), id: account.region };
    case 'aws:index/getCallerIdentity:getCallerIdentity':
      return { accountId: account.accountId, arn: `arn:aws:iam::${account.accountId}:user/operator`, userId: 'AIDAMOCK', id: account.accountId };
    case 'aws:index/getRegion:getRegion':
      return { name: account.region, region: account.region, id: account.region, description: 'mock', endpoint: 'ec2.amazonaws.com' };
    case 'aws:index/getPartition:getPartition':
      return { partition: 'aws', dnsSuffix: 'amazonaws.com', id: 'aws', reverseDnsPrefix: 'com.amazonaws' };
    case 'aws:ec2/getAmi:getAmi':
      return { id: 'ami-0123456789abcdef0', name: 'debian-12-amd64-20250101-0000' };
    case 'aws:ec2/getInstanceType:getInstanceType':
      return { ...account.instanceType, id: 'mock' };
    default:
      throw new Error(`the program called ${token}, which the mocks do not answer`);
  }
}

/** Installs the mocks; await it before importing or running a program. */
export async function installPulumiMocks(stack = 'test', account: MockAccount = DEFAULT_ACCOUNT): Promise<MockRecorder> {
  const resources: RecordedResource[] = [];
  const calls: MockRecorder['calls'] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const secretPaths: string[] = [];
        const inputs = unwrap(args.inputs, '', secretPaths) as Record<string, any>;
        const { id, state } = computed(args.type, args.name, inputs, account);
        resources.push({ type: args.type, name: args.name, id, inputs, secretPaths });
        return { id, state: { ...args.inputs, ...state } };
      },
      call(args) {
        calls.push({ token: args.token, inputs: args.inputs });
        return answer(args.token, account);
      },
    },
    'slipway',
    stack,
    false,
  );
  return {
    resources,
    calls,
    ofType: (type) => resources.filter((r) => r.type === type),
    named(type, name) {
      const found = resources.find((r) => r.type === type && r.name === name);
      if (!found) throw new Error(`no ${type} named ${name}; have: ${resources.filter((r) => r.type === type).map((r) => r.name).join(', ')}`);
      return found;
    },
    async settle() {
      // Internal to the SDK but exported at runtime: resolves once every pending RPC is done.
      const runtime = pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> };
      if (typeof runtime.waitForRPCs !== 'function') throw new Error('this @pulumi/pulumi has no runtime.waitForRPCs');
      await runtime.waitForRPCs();
    },
    reset() {
      resources.length = 0;
      calls.length = 0;
    },
  };
}

/** The value of an Output (secret or not), as a promise. */
export function resolve<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((done) => output.apply((value) => done(value)));
}

/** Whether an Output is marked secret. */
export function isSecret(output: pulumi.Output<unknown>): Promise<boolean> {
  return pulumi.isSecret(output);
}
