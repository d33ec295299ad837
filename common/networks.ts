// The Docker networks Slipway puts containers on, instead of Docker's default bridge (where
// every container reaches every other one directly, around the router):
// - apps: app instances. Inter-container traffic is off, so one tenant's container cannot
//   reach another's (not even through the other's published port: that hairpins through the
//   same bridge); the router and the agent reach instances through their published port.
// - builds: build containers, egress only (npm, the runtime's downloads), equally unable to
//   reach each other or an app.
// - one per add-on (addonNetwork): internal (no way out of it), the add-on's server and the
//   containers of the apps attached to it, which reach the server by its name there.
// Docker isolates user-defined bridges from one another, and the firewall rule below keeps
// both off the host's own services. Each is created idempotently by whoever needs it (the
// agent, the builder), as data here and I/O in ensureNetwork.
import { execFile } from 'node:child_process';
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
}

export const ICC_OPTION = 'com.docker.network.bridge.enable_icc';
export const BRIDGE_NAME_OPTION = 'com.docker.network.bridge.name';

export const APPS_NETWORK: NetworkSpec = { name: 'slipway-apps', bridge: 'slw-apps', role: 'apps' };
export const BUILDS_NETWORK: NetworkSpec = { name: 'slipway-builds', bridge: 'slw-builds', role: 'builds' };

/** The network of one add-on on its host: internal, so neither the server nor the apps reach
 *  anything through it; containers on it reach each other (the apps their server). Its bridge name
 *  is fixed from the add-on's id so the host firewall rule can name it. */
export const ADDON_NETWORK_PREFIX = 'slipway-addon-';

export function addonNetwork(addonId: string, labels: Record<string, string> = {}): NetworkSpec {
  return {
    name: `${ADDON_NETWORK_PREFIX}${addonId}`,
    bridge: `slwa${addonId.replace(/[^a-z0-9]/g, '').slice(0, 11)}`,
    role: 'addon',
    internal: true,
    icc: true,
    labels,
  };
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
    try {
      await docker.createNetwork(networkCreateOptions(spec));
    } catch (err) {
      // 409: someone else created it meanwhile.
      if (statusCode(err) !== 409) throw new NetworkError(`could not create the Docker network ${spec.name}`, { cause: err });
    }
    found = await named();
  }
  const network = found[0];
  if (!network) throw new NetworkError(`the Docker network ${spec.name} is missing right after it was created`);
  const facts = (await docker.getNetwork(network.Id).inspect()) as NetworkFacts;
  const mismatch = networkMismatch(spec, facts);
  if (mismatch) throw new NetworkError(`the Docker network ${spec.name} exists but is not Slipway's (${mismatch}): remove it so Slipway can create its own`);
  return network.Id;
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
