// The Docker networks Slipway puts containers on, instead of Docker's default bridge (where
// every container reaches every other one directly, around the router):
// - apps: app instances. Inter-container traffic is off, so one tenant's container cannot
//   reach another's (not even through the other's published port: that hairpins through the
//   same bridge); the router and the agent reach instances through their published port.
// - builds: build containers, egress only (npm, the runtime's downloads), equally unable to
//   reach each other or an app.
// - one per add-on and host (addonNetwork): internal (no way out of it), the add-on's server and
//   the containers of the apps attached to it, which reach the server by its name there. Each
//   takes a small subnet of its own from Slipway's range (Docker's default pools hold about 30
//   networks, fewer add-ons than a host can run).
// Docker isolates user-defined bridges from one another, and the firewall rule below keeps
// both off the host's own services. Each is created idempotently by whoever needs it (the
// agent, the builder), as data here and I/O in ensureNetwork.
import { execFile } from 'node:child_process';
import { createHash, randomInt } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import type Docker from 'dockerode';
import { describeError } from './errors.js';
import { NETWORK_LABELS } from './labels.js';

export interface NetworkSpec {
  /** Docker's network name. */
  name: string;
  /** The Linux bridge's name (at most 15 characters): fixed, so firewall rules can name it. */
  bridge: string;
  role: 'apps' | 'builds' | 'addon';
  /** Internal: no route out of the network (Docker's --internal). Default: false. */
  internal?: boolean;
  /** Whether containers on it reach each other. Default: false. */
  icc?: boolean;
  /** More labels, beyond the managed and role ones (whose host, whose add-on). */
  labels?: Record<string, string>;
  /** Where its subnet comes from (a free one of `prefix` bits in `range`); default: Docker's pools. */
  subnets?: SubnetPool;
}

export interface SubnetPool {
  /** An IPv4 CIDR range. */
  range: string;
  prefix: number;
}

export const ICC_OPTION = 'com.docker.network.bridge.enable_icc';
export const BRIDGE_NAME_OPTION = 'com.docker.network.bridge.name';

export const APPS_NETWORK: NetworkSpec = { name: 'slipway-apps', bridge: 'slw-apps', role: 'apps' };
export const BUILDS_NETWORK: NetworkSpec = { name: 'slipway-builds', bridge: 'slw-builds', role: 'builds' };

/** The add-on networks' range: each takes a /25 of it (126 addresses: the server and the attached
 *  apps' dynos on that host), so a host holds 512 add-ons. Operators change it (SLIPWAY_ADDON_SUBNETS)
 *  where their own network uses these addresses. */
export const DEFAULT_ADDON_SUBNETS = '10.213.0.0/16';
export const ADDON_SUBNET_PREFIX = 25;

/** The network of one add-on on one host: internal, so neither the server nor the apps reach
 *  anything through it; containers on it reach each other (the apps their server). Named after
 *  the host as well, so agents sharing an engine (tests, a move between two local hosts) never
 *  share one. Its bridge name is fixed from both so the host firewall rule can name it. */
export const ADDON_NETWORK_PREFIX = 'slipway-addon-';

export function addonNetwork(hostId: string, addonId: string, labels: Record<string, string> = {}, range: string = DEFAULT_ADDON_SUBNETS): NetworkSpec {
  return {
    name: `${ADDON_NETWORK_PREFIX}${addonId}.${hostId}`,
    bridge: `slwa${createHash('sha256').update(`${hostId}/${addonId}`).digest('hex').slice(0, 11)}`,
    role: 'addon',
    internal: true,
    icc: true,
    labels,
    subnets: { range, prefix: ADDON_SUBNET_PREFIX },
  };
}

/** Pure: why `range` cannot be an add-on subnet range (an IPv4 CIDR with room for one network), or null. */
export function subnetRangeProblem(range: string, prefix: number = ADDON_SUBNET_PREFIX): string | null {
  if (!ipaddr.IPv4.isValidCIDR(range)) return 'not an IPv4 CIDR range (like 10.213.0.0/16)';
  const [, bits] = ipaddr.IPv4.parseCIDR(range);
  if (bits > prefix) return `narrower than one /${prefix}`;
  return null;
}

interface AddressSpan {
  first: number;
  last: number;
}

/** An IPv4 CIDR as its first and last address (numbers); null for IPv6 or anything unparsable. */
function span(cidr: string): AddressSpan | null {
  if (!ipaddr.IPv4.isValidCIDR(cidr)) return null;
  const [address, bits] = ipaddr.IPv4.parseCIDR(cidr);
  const size = 2 ** (32 - bits);
  const value = address.toByteArray().reduce((sum, byte) => sum * 256 + byte, 0);
  const first = value - (value % size);
  return { first, last: first + size - 1 };
}

function dotted(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/**
 * Pure: a subnet of `pool` overlapping none of `taken` (every subnet the engine's networks use),
 * trying from the `start`-th one on (creators racing for the first free one mostly start apart),
 * or null when the range is full.
 */
export function freeSubnet(pool: SubnetPool, taken: readonly string[], start = 0): string | null {
  const range = span(pool.range);
  if (!range) return null;
  const size = 2 ** (32 - pool.prefix);
  const count = Math.floor((range.last - range.first + 1) / size);
  const used = taken.map(span).filter((s): s is AddressSpan => s !== null);
  for (let i = 0; i < count; i++) {
    const first = range.first + ((start + i) % count) * size;
    const last = first + size - 1;
    if (!used.some((s) => s.first <= last && first <= s.last)) return `${dotted(first)}/${pool.prefix}`;
  }
  return null;
}

export class NetworkError extends Error {
  override name = 'NetworkError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
  }
}

/** The create request for a network (pure). */
export function networkCreateOptions(spec: NetworkSpec): Docker.NetworkCreateOptions {
  return {
    Name: spec.name,
    Driver: 'bridge',
    CheckDuplicate: true,
    Internal: spec.internal ?? false,
    Attachable: false,
    EnableIPv6: false,
    Options: { [ICC_OPTION]: String(spec.icc ?? false), [BRIDGE_NAME_OPTION]: spec.bridge },
    Labels: { ...spec.labels, [NETWORK_LABELS.managed]: 'true', [NETWORK_LABELS.role]: spec.role },
  };
}

export interface NetworkFacts {
  Id: string;
  Name: string;
  Created?: string;
  Driver?: string;
  Internal?: boolean;
  Options?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

/** Why an existing network of that name must not be used, or null when it is Slipway's own (pure). */
export function networkMismatch(spec: NetworkSpec, facts: NetworkFacts): string | null {
  if (facts.Driver !== undefined && facts.Driver !== 'bridge') return `it uses the ${facts.Driver} driver, not bridge`;
  if (facts.Options?.[ICC_OPTION] !== String(spec.icc ?? false)) return spec.icc ? 'inter-container traffic is off' : 'inter-container traffic is on';
  if (facts.Internal !== undefined && facts.Internal !== (spec.internal ?? false)) return spec.internal ? 'it is not internal' : 'it is internal';
  if (facts.Options?.[BRIDGE_NAME_OPTION] !== spec.bridge) return `its bridge is not ${spec.bridge}`;
  if (facts.Labels?.[NETWORK_LABELS.role] !== spec.role) return `it is not labeled ${NETWORK_LABELS.role}=${spec.role}`;
  for (const [key, value] of Object.entries(spec.labels ?? {})) if (facts.Labels?.[key] !== value) return `it is not labeled ${key}=${value}`;
  return null;
}

function statusCode(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && 'statusCode' in err ? Number((err as { statusCode: unknown }).statusCode) : undefined;
}

/** The networks with exactly this name, oldest first (Docker's name filter matches substrings;
 *  two racing creators can leave duplicates, and everyone then picks the same one). */
export async function networksNamed(docker: Docker, name: string): Promise<NetworkFacts[]> {
  return ((await docker.listNetworks({ filters: { name: [name] } })) as NetworkFacts[])
    .filter((network) => network.Name === name)
    .sort((a, b) => (a.Created ?? '').localeCompare(b.Created ?? '') || a.Id.localeCompare(b.Id));
}

/**
 * Makes sure the network exists as specified and returns its id (containers join it by id, so
 * a duplicate name left by a create race cannot make their network ambiguous). Refuses a
 * network of that name that is not Slipway's own rather than run containers on it.
 */
export async function ensureNetwork(docker: Docker, spec: NetworkSpec): Promise<string> {
  const named = () => networksNamed(docker, spec.name);
  let found = await named();
  if (found.length === 0) {
    await createNetwork(docker, spec);
    found = await named();
  }
  const network = found[0];
  if (!network) throw new NetworkError(`the Docker network ${spec.name} is missing right after it was created`);
  const facts = (await docker.getNetwork(network.Id).inspect()) as NetworkFacts;
  const mismatch = networkMismatch(spec, facts);
  if (mismatch) throw new NetworkError(`the Docker network ${spec.name} exists but is not Slipway's (${mismatch}): remove it so Slipway can create its own`);
  return network.Id;
}

/** How many times a free subnet is looked for again after another creator took the one chosen. */
const SUBNET_ATTEMPTS = 16;

/** Creates the network; one that someone else created meanwhile (409) is fine. */
async function createNetwork(docker: Docker, spec: NetworkSpec): Promise<void> {
  const attempts = spec.subnets ? SUBNET_ATTEMPTS : 1;
  // where the search starts in the range: first from the name, then at random, so creators racing
  // for a subnet (whose listings miss each other's networks until made) mostly pick apart
  const named = createHash('sha256').update(spec.name).digest().readUInt32BE(0);
  for (let attempt = 0; attempt < attempts; attempt++) {
    let ipam: Docker.NetworkCreateOptions['IPAM'];
    if (spec.subnets) {
      const subnet = freeSubnet(spec.subnets, await subnetsInUse(docker), attempt === 0 ? named : randomInt(2 ** 31));
      if (!subnet) {
        throw new NetworkError(
          `no /${spec.subnets.prefix} is free in ${spec.subnets.range} for the Docker network ${spec.name}: remove networks no longer used, or give add-ons a wider range (SLIPWAY_ADDON_SUBNETS)`,
        );
      }
      ipam = { Driver: 'default', Config: [{ Subnet: subnet }] };
    }
    try {
      await docker.createNetwork({ ...networkCreateOptions(spec), ...(ipam ? { IPAM: ipam } : {}) });
      return;
    } catch (err) {
      if (statusCode(err) === 409) return;
      // another network took that subnet between the listing and the create: look again
      if (spec.subnets && /overlap/i.test(describeError(err)) && attempt < attempts - 1) continue;
      throw new NetworkError(`could not create the Docker network ${spec.name}`, { cause: err });
    }
  }
}

/** Every IPv4 subnet the engine's networks use (any network: Docker refuses an overlap with any). */
async function subnetsInUse(docker: Docker): Promise<string[]> {
  const networks = (await docker.listNetworks()) as Array<{ IPAM?: { Config?: Array<{ Subnet?: string }> | null } }>;
  return networks.flatMap((network) => (network.IPAM?.Config ?? []).flatMap((config) => (config.Subnet ? [config.Subnet] : [])));
}

/**
 * The iptables rule (argv after the action flag) that keeps a network's containers off the
 * host's own services: new connections from the bridge to the host are dropped, replies to
 * connections the host opened (the router and the agent dialing published ports) pass.
 */
export function hostFirewallRule(spec: NetworkSpec): string[] {
  return ['INPUT', '-i', spec.bridge, '-m', 'conntrack', '!', '--ctstate', 'ESTABLISHED,RELATED', '-m', 'comment', '--comment', `slipway ${spec.role}: no host services`, '-j', 'DROP'];
}

/** Runs one iptables command (argv without the binary); resolves to whether it exited 0. */
export type IptablesRunner = (args: string[]) => Promise<boolean>;

export const runIptables: IptablesRunner = (args) =>
  new Promise((resolve, reject) => {
    execFile('iptables', ['-w', ...args], (err) => {
      if (!err) return resolve(true);
      // exit 1: the rule checked for is not there; anything else (no binary, no permission) is an error
      if (typeof err.code === 'number' && err.code === 1) return resolve(false);
      reject(new NetworkError(`iptables ${args[0]} failed: ${err.message.split('\n')[0]}`, { cause: err }));
    });
  });

/** Adds the host firewall rule unless it is there already (idempotent, one rule per bridge). */
export async function ensureHostFirewall(spec: NetworkSpec, run: IptablesRunner = runIptables): Promise<void> {
  const rule = hostFirewallRule(spec);
  if (await run(['-C', ...rule])) return;
  if (!(await run(['-I', ...rule]))) throw new NetworkError(`iptables refused the rule for ${spec.bridge}`);
}

/** Takes the host firewall rule out again (a removed add-on's network); one already gone is fine. */
export async function removeHostFirewall(spec: NetworkSpec, run: IptablesRunner = runIptables): Promise<void> {
  const rule = hostFirewallRule(spec);
  while (await run(['-C', ...rule])) await run(['-D', ...rule]);
}

/**
 * Removes a network Slipway made, first cutting off the containers still on it; one already gone
 * is fine. Refuses one of that name that is not Slipway's own.
 */
export async function removeNetwork(docker: Docker, spec: NetworkSpec): Promise<void> {
  for (const { Id } of await networksNamed(docker, spec.name)) {
    const network = docker.getNetwork(Id);
    let facts: NetworkFacts & { Containers?: Record<string, unknown> | null };
    try {
      facts = (await network.inspect()) as typeof facts;
    } catch (err) {
      if (statusCode(err) === 404) continue;
      throw new NetworkError(`could not inspect the Docker network ${spec.name}`, { cause: err });
    }
    const mismatch = networkMismatch(spec, facts);
    if (mismatch) throw new NetworkError(`the Docker network ${spec.name} is not Slipway's (${mismatch}): refusing to remove it`);
    for (const container of Object.keys(facts.Containers ?? {})) {
      await network.disconnect({ Container: container, Force: true }).catch((err: unknown) => {
        if (statusCode(err) !== 404) throw new NetworkError(`could not cut container ${container.slice(0, 12)} off ${spec.name}`, { cause: err });
      });
    }
    await network.remove().catch((err: unknown) => {
      if (statusCode(err) !== 404) throw new NetworkError(`could not remove the Docker network ${spec.name}`, { cause: err });
    });
  }
}

/**
 * The network (by id) with its firewall rule. A host where iptables cannot be used (not root,
 * no binary) still gets the network, with icc off; `warn` says what is missing.
 */
export async function ensureIsolatedNetwork(docker: Docker, spec: NetworkSpec, warn: (message: string) => void, run: IptablesRunner = runIptables): Promise<string> {
  const id = await ensureNetwork(docker, spec);
  await ensureHostFirewall(spec, run).catch((err: unknown) => warn(`${spec.name}: containers may reach services on this host: ${err instanceof Error ? err.message : String(err)}`));
  return id;
}

/** Whether a Docker error says the network a container was to join is gone. */
function networkMissing(err: unknown): boolean {
  return (err as { statusCode?: number } | null)?.statusCode === 404 && /network/i.test(describeError(err));
}

/**
 * One isolated network as its user sees it: ensured once and remembered, and ensured afresh
 * when Docker says it is gone (an operator pruned it since). The agent holds the apps network
 * so, the builder the builds network.
 */
export class IsolatedNetwork {
  private id: Promise<string> | null = null;

  constructor(
    private readonly docker: Docker,
    private readonly spec: NetworkSpec,
    private readonly warn: (message: string) => void,
  ) {}

  /** The network's id (ensured on first use, and again after a failed attempt). */
  ensure(): Promise<string> {
    this.id ??= ensureIsolatedNetwork(this.docker, this.spec, this.warn).catch((err: unknown) => {
      this.id = null;
      throw err;
    });
    return this.id;
  }

  /** Runs `create` with the network's id; once more on a fresh network if it went missing. */
  async join<T>(create: (networkId: string) => Promise<T>): Promise<T> {
    try {
      return await create(await this.ensure());
    } catch (err) {
      if (!networkMissing(err)) throw err;
      this.id = null;
      return create(await this.ensure());
    }
  }
}
