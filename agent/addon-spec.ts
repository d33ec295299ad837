// An add-on's container and volume, as data (Kamal style): built by pure functions from the run
// request and the host's settings, created by addons.ts. The server runs as the stack's
// non-root user, limited like an app, on the apps network (no way to the host's services; inter-
// container traffic off), its port published on the host's private address only.
import type { ContainerCreateOptions } from 'dockerode';
import { ADDON_DATA_DIR, addonServerArgv, ADDON_SERVICES } from '../common/addons.js';
import { ADDON_LABELS } from '../common/labels.js';
import { APPS_NETWORK } from '../common/networks.js';
import type { RunAddonRequest } from '../common/protocol.js';
import { APP_USER, confinement, imageReference, LOG_ROTATION, type HostSettings } from './container-spec.js';
import { hostSelector } from './labels.js';

export const ADDON_PIDS_LIMIT = 256;

export function addonSelector(hostId: string, addonId: string): Record<string, string> {
  return { ...hostSelector(hostId), [ADDON_LABELS.addon]: addonId };
}

export function isAddon(labels: Record<string, string>): boolean {
  return ADDON_LABELS.addon in labels;
}

export function addonContainerName(hostId: string, addonId: string): string {
  return `slipway-${hostId}-addon-${addonId}`.replace(/[^a-zA-Z0-9_.-]/g, '-');
}

/** The named volume holding the add-on's data on this host: named as its container. */
export function addonVolumeName(hostId: string, addonId: string): string {
  return addonContainerName(hostId, addonId);
}

export function addonPort(service: RunAddonRequest['service']): number {
  const found = ADDON_SERVICES.find((s) => s.name === service);
  if (!found) throw new Error(`unknown add-on service ${service}`);
  return found.port;
}

/** `hostPort` is chosen once, when the container is made, so the add-on's URL stays the same across
 *  restarts of its server (an ephemeral binding would move at each start). */
export function addonContainerSpec(request: RunAddonRequest, host: HostSettings, hostPort: number): ContainerCreateOptions & { name: string } {
  const portKey = `${addonPort(request.service)}/tcp`;
  // Redis keeps a quarter of the container's memory free for its own overhead and the AOF rewrite.
  const env = { ...request.env, ADDON_DATA_DIR, ADDON_MAXMEMORY: `${Math.max(8, Math.floor(request.memoryMb * 0.75))}mb` };
  return {
    name: addonContainerName(host.hostId, request.addonId),
    Image: imageReference(host.registry, request.image),
    Entrypoint: [],
    Cmd: addonServerArgv(request.service),
    User: APP_USER,
    WorkingDir: ADDON_DATA_DIR,
    Env: Object.entries(env).map(([key, value]) => `${key}=${value}`),
    Labels: { ...addonSelector(host.hostId, request.addonId), [ADDON_LABELS.service]: request.service },
    ExposedPorts: { [portKey]: {} },
    StopSignal: request.service === 'postgresql' ? 'SIGINT' : 'SIGTERM',
    HostConfig: {
      ...confinement(request, ADDON_PIDS_LIMIT),
      // PostgreSQL's shared memory beyond Docker's 64 MB default is not needed at these sizes.
      Mounts: [{ Type: 'volume', Source: addonVolumeName(host.hostId, request.addonId), Target: ADDON_DATA_DIR, ReadOnly: false }],
      NetworkMode: APPS_NETWORK.name,
      PortBindings: { [portKey]: [{ HostIp: host.address, HostPort: String(hostPort) }] },
      PublishAllPorts: false,
      LogConfig: { Type: 'json-file', Config: { ...LOG_ROTATION } },
      // A stateful server comes back by itself after a crash or an engine restart; the agent
      // starts it too when it finds it stopped.
      RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 },
      AutoRemove: false,
    },
  };
}
