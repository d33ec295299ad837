// The container an instance runs in, as data: built by a pure function from the run request
// and the host's settings, created elsewhere. Tests assert on this data (Kamal style).
import type { ContainerCreateOptions } from 'dockerode';
import type { AddonLink, RunInstanceRequest, RunOneOffRequest } from '../common/protocol.js';
import type { ImageRef } from '../common/types.js';
import { pullReference } from '../common/image-reference.js';
import { addonNetwork, APPS_NETWORK } from '../common/networks.js';
import { dynoName, instanceLabels, oneOffLabels } from './labels.js';
import { nanoCpus } from '../common/docker-limits.js';

/** The port every app listens on inside its container ($PORT); Docker publishes it. */
export const CONTAINER_PORT = 5000;
/** Non-root user and group every app runs as. */
export const APP_USER = '1000:1000';
/** Enough for a language runtime's threads, not enough for a fork bomb. */
export const PIDS_LIMIT = 512;
export const LOG_ROTATION = { 'max-size': '10m', 'max-file': '3' } as const;

export interface HostSettings {
  hostId: string;
  /** host:port of the registry images are pulled from. */
  registry: string;
  /** Private address the container port is published on. */
  address: string;
  /** The CPUs Docker can give one container here (this machine's): a boot's CPU limit stays
   *  within it. Absent: instances boot on their dyno's CPU. */
  machineCpus?: number;
}

export class InvalidRunRequestError extends Error {
  override name = 'InvalidRunRequestError';
}

/** `<registry>/<repository>@<digest>`: images are pulled and run by digest only. */
export function imageReference(registry: string, image: ImageRef): string {
  return pullReference(registry, image.repository, image.digest);
}

/** A readable container name; uniqueness comes from the host and instance ids. */
export function containerName(hostId: string, instanceId: string): string {
  return `slipway-${hostId}-${instanceId}`.replace(/[^a-zA-Z0-9_.-]/g, '-');
}

/** The container's environment: the config vars, then PORT and DYNO, which the platform owns. */
export function containerEnv(vars: Record<string, string>, dyno: string): string[] {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(vars)) {
    // Docker splits "KEY=value" at the first "=": such a key cannot be expressed. Names only,
    // never values, go into the message (values are secrets).
    if (key.length === 0 || key.includes('=') || key.includes('\0')) {
      throw new InvalidRunRequestError(`invalid config var name ${JSON.stringify(key)}`);
    }
    if (value.includes('\0')) throw new InvalidRunRequestError(`config var ${key} contains a NUL byte`);
    env[key] = value;
  }
  env.PORT = String(CONTAINER_PORT);
  env.DYNO = dyno;
  return Object.entries(env).map(([key, value]) => `${key}=${value}`);
}

/** The confinement every container the agent runs gets (apps, one-offs, add-ons): tini as PID 1
 *  (signals reach the process, zombies are reaped), no privileges or capabilities, memory without
 *  swap, CPU and process caps. */
export function confinement(limits: { memoryMb: number; cpus: number }, pidsLimit: number) {
  const memoryBytes = limits.memoryMb * 1024 * 1024;
  return {
    Init: true,
    Privileged: false,
    CapDrop: ['ALL'],
    SecurityOpt: ['no-new-privileges'],
    Memory: memoryBytes,
    MemorySwap: memoryBytes,
    NanoCpus: nanoCpus(limits.cpus),
    PidsLimit: pidsLimit,
  };
}

/**
 * How an app's container reaches the add-ons attached to it, by each one's name (the host in its
 * URL): one on this host by joining the add-on's own network, where its server answers to that
 * name; one on another host by the name standing for that host's private address, where the
 * server's port is published. Nobody else's container is on the network or knows the name.
 */
export function addonReach(links: readonly AddonLink[], hostId: string): { ExtraHosts: string[]; NetworkingConfig?: ContainerCreateOptions['NetworkingConfig'] } {
  const here = links.filter((link) => link.hostId === hostId);
  const elsewhere = links.filter((link) => link.hostId !== hostId);
  return {
    ExtraHosts: elsewhere.map((link) => `${link.name}:${link.address}`),
    ...(here.length > 0 ? { NetworkingConfig: { EndpointsConfig: Object.fromEntries(here.map((link) => [addonNetwork(hostId, link.addonId).name, {}])) } } : {}),
  };
}

/** The limits and hardening every app container gets, instance or one-off: no privileges or
 *  capabilities, memory without swap, CPU and process caps, nothing mounted from the host, on
 *  Slipway's apps network (and its add-ons' networks), restarts left to the platform. */
function hardenedContainer(
  limits: { memoryMb: number; cpus: number; addons: readonly AddonLink[] },
  hostId: string,
): ContainerCreateOptions & { HostConfig: NonNullable<ContainerCreateOptions['HostConfig']> } {
  const { ExtraHosts, NetworkingConfig } = addonReach(limits.addons, hostId);
  return {
    // The image's entrypoint would be prepended to the command: the command alone runs.
    Entrypoint: [],
    User: APP_USER,
    StopSignal: 'SIGTERM',
    Tty: false,
    OpenStdin: false,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    ...(NetworkingConfig ? { NetworkingConfig } : {}),
    HostConfig: {
      ...confinement(limits, PIDS_LIMIT),
      Binds: [],
      Mounts: [],
      // Slipway's apps network (inter-container traffic off), not Docker's default bridge;
      // the engine resolves the name to the id it ensured.
      NetworkMode: APPS_NETWORK.name,
      ExtraHosts,
      PublishAllPorts: false,
      LogConfig: { Type: 'json-file', Config: { ...LOG_ROTATION } },
      // The platform restarts crashed instances, with backoff; Docker must not.
      RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
      AutoRemove: false,
    },
  };
}

/** The CPU limit an instance starts with: its boot limit (startup CPU boost) within this
 *  machine, never below its dyno's. */
export function startingCpus(request: Pick<RunInstanceRequest, 'cpus' | 'bootCpus'>, machineCpus: number | undefined): number {
  if (request.bootCpus === undefined || machineCpus === undefined) return request.cpus;
  return Math.max(request.cpus, Math.min(request.bootCpus, machineCpus));
}

export function containerSpec(request: RunInstanceRequest, host: HostSettings): ContainerCreateOptions {
  const portKey = `${CONTAINER_PORT}/tcp`;
  const base = hardenedContainer({ ...request, cpus: startingCpus(request, host.machineCpus) }, host.hostId);
  return {
    ...base,
    name: containerName(host.hostId, request.instanceId),
    Image: imageReference(host.registry, request.image),
    Cmd: ['/bin/bash', '-c', request.command],
    Env: containerEnv(request.env, dynoName(request)),
    Labels: instanceLabels(host.hostId, request),
    ExposedPorts: { [portKey]: {} },
    HostConfig: { ...base.HostConfig, PortBindings: { [portKey]: [{ HostIp: host.address, HostPort: '' }] } },
  };
}

/** A one-off container: the same limits and hardening, nothing published, its own labels (so
 *  the instance lifecycle never adopts it). */
export function oneOffContainerSpec(request: RunOneOffRequest, host: HostSettings): ContainerCreateOptions {
  // An attached run gets a TTY and stdin, as `docker run -it` does.
  const attached = request.tty
    ? { Tty: true, OpenStdin: true, StdinOnce: true, AttachStdin: true, AttachStdout: true, AttachStderr: true, Env: [...containerEnv(request.env, request.dyno), 'TERM=xterm-256color', `COLUMNS=${request.tty.cols}`, `LINES=${request.tty.rows}`] }
    : {};
  return {
    ...hardenedContainer(request, host.hostId),
    name: containerName(host.hostId, `${request.dyno}-${request.runId}`),
    Image: imageReference(host.registry, request.image),
    Cmd: ['/bin/bash', '-c', request.command],
    Env: containerEnv(request.env, request.dyno),
    Labels: oneOffLabels(host.hostId, request),
    ...attached,
  };
}
