// An add-on's container and volume, as data (Kamal style): built by pure functions from the run
// request and the host's settings, created by addons.ts. The server runs as the stack's
// non-root user, limited like an app, on the apps network (no way to the host's services; inter-
// container traffic off), its port published on the host's private address only (for apps on
// other hosts), and joins its own add-on network under its name (for apps on this one). It
// listens on the port it is published on, so one URL (its name and that port) serves both.
import type { ContainerCreateOptions } from 'dockerode';
import { ADDON_DATA_DIR, addonServerArgv } from '../common/addons.js';
import { ADDON_LABELS } from '../common/labels.js';
import { addonNetwork, APPS_NETWORK, type NetworkSpec } from '../common/networks.js';
import type { AddonInfoRequest, AddonServerInfo, RotateAddonPasswordRequest, RunAddonRequest } from '../common/protocol.js';
import { APP_USER, confinement, imageReference, LOG_ROTATION, type HostSettings } from './container-spec.js';
import { hostSelector } from './labels.js';

export const ADDON_PIDS_LIMIT = 256;

/** The `restores` label of a Redis server whose start script loads a staged restore (REDIS_RESTORE_FILE). */
export const REDIS_STAGED_RESTORES = 'staged-rdb';

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

/** The command that gives a PostgreSQL add-on's user a new password, signed in with the current
 *  one over the server's socket; both passwords only in the exec's environment (psql reads the
 *  new one with \getenv, so it is in no argv). */
export function rotatePasswordExec(request: Pick<RotateAddonPasswordRequest, 'user' | 'currentPassword' | 'newPassword'>): { argv: string[]; env: Record<string, string> } {
  const script = [
    'set -e',
    'bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)',
    `printf '%s\n' '\\getenv pw ADDON_NEW_PASSWORD' "ALTER ROLE CURRENT_USER PASSWORD :'pw';" | "$bin/psql" -X -q -v ON_ERROR_STOP=1 "host=/tmp port=$ADDON_PORT dbname=postgres user=$ADDON_USER"`,
  ].join('\n');
  return { argv: ['/bin/sh', '-c', script], env: { ADDON_USER: request.user, PGPASSWORD: request.currentPassword, ADDON_NEW_PASSWORD: request.newPassword } };
}

/** The command that asks the server about itself, signed in as the add-on's user; its output is
 *  read by `parseServerInfo`. */
export function serverInfoExec(service: RunAddonRequest['service'], request: Pick<AddonInfoRequest, 'user' | 'password' | 'database'>): { argv: string[]; env: Record<string, string> } {
  if (service === 'postgresql') {
    const query =
      "SELECT current_setting('server_version'), pg_database_size(current_database()), " +
      '(SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()), ' +
      "(SELECT count(*) FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema'))";
    const script = ['set -e', 'bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)', `"$bin/psql" -X -At -F '|' "host=/tmp port=$ADDON_PORT dbname=$ADDON_INFO_DATABASE user=$ADDON_USER" -c "${query}"`].join('\n');
    return { argv: ['/bin/sh', '-c', script], env: { ADDON_USER: request.user, PGPASSWORD: request.password, ADDON_INFO_DATABASE: request.database } };
  }
  const script = ['set -e', 'for section in server memory clients; do redis-cli -p "$ADDON_PORT" --no-auth-warning INFO "$section"; done', 'printf "dbsize:%s\\n" "$(redis-cli -p "$ADDON_PORT" --no-auth-warning DBSIZE)"'].join('\n');
  return { argv: ['/bin/sh', '-c', script], env: { REDISCLI_AUTH: request.password } };
}

/** Pure: the server's answer to `serverInfoExec`, or null when it is not one. */
export function parseServerInfo(service: RunAddonRequest['service'], output: string): AddonServerInfo | null {
  if (service === 'postgresql') {
    const [version, bytes, connections, tables] = (output.trim().split('\n').at(-1) ?? '').split('|');
    if (!version || [bytes, connections, tables].some((n) => n === undefined || !/^\d+$/.test(n))) return null;
    return { version, bytes: Number(bytes), connections: Number(connections), objects: Number(tables) };
  }
  const fields = new Map(output.split(/\r?\n/).map((line) => line.split(':') as [string, string?]).filter(([, value]) => value !== undefined).map(([key, value]) => [key.trim(), value!.trim()]));
  const [version, bytes, clients, keys] = ['redis_version', 'used_memory', 'connected_clients', 'dbsize'].map((key) => fields.get(key));
  if (!version || [bytes, clients, keys].some((n) => n === undefined || !/^\d+$/.test(n))) return null;
  return { version, bytes: Number(bytes), connections: Number(clients), objects: Number(keys) };
}

/** The command that measures what the add-on's volume holds (Docker's local volumes have no size
 *  limit to enforce; the plan's storage is measured and reported against). */
export const VOLUME_USAGE_EXEC = ['du', '-sk', ADDON_DATA_DIR];

/** Pure: `du -sk`'s answer in bytes (its line for the data directory, whatever it warned), or null. */
export function parseVolumeUsage(output: string): number | null {
  for (const line of output.split(/\r?\n/)) {
    const match = /^(\d+)\s+(\S+)$/.exec(line.trim());
    if (match && match[2] === ADDON_DATA_DIR) return Number(match[1]) * 1024;
  }
  return null;
}

/** The add-on's own network on this host, labeled with the host and the add-on; its subnet from `range`. */
export function addonNetworkSpec(hostId: string, addonId: string, range?: string): NetworkSpec {
  return addonNetwork(hostId, addonId, addonSelector(hostId, addonId), range);
}

/** `port` is chosen once, when the container is made, so the add-on's URL stays the same across
 *  restarts of its server (an ephemeral binding would move at each start). */
export function addonContainerSpec(request: RunAddonRequest, host: HostSettings, port: number): ContainerCreateOptions & { name: string } {
  const portKey = `${port}/tcp`;
  // Redis keeps a quarter of the container's memory free for its own overhead and the AOF rewrite,
  // unless the plan says (ADDON_MAXMEMORY, as ADDON_MAX_CONNECTIONS, comes from the plan).
  const env = { ADDON_MAXMEMORY: `${Math.max(8, Math.floor(request.memoryMb * 0.75))}mb`, ...request.env, ADDON_DATA_DIR, ADDON_PORT: String(port) };
  return {
    name: addonContainerName(host.hostId, request.addonId),
    Image: imageReference(host.registry, request.image),
    Entrypoint: [],
    Cmd: addonServerArgv(request.service),
    User: APP_USER,
    WorkingDir: ADDON_DATA_DIR,
    Env: Object.entries(env).map(([key, value]) => `${key}=${value}`),
    Labels: { ...addonSelector(host.hostId, request.addonId), [ADDON_LABELS.service]: request.service, ...(request.service === 'redis' ? { [ADDON_LABELS.restores]: REDIS_STAGED_RESTORES } : {}) },
    ExposedPorts: { [portKey]: {} },
    NetworkingConfig: { EndpointsConfig: { [addonNetworkSpec(host.hostId, request.addonId).name]: { Aliases: [request.name] } } },
    StopSignal: request.service === 'postgresql' ? 'SIGINT' : 'SIGTERM',
    HostConfig: {
      ...confinement(request, ADDON_PIDS_LIMIT),
      // PostgreSQL's shared memory beyond Docker's 64 MB default is not needed at these sizes.
      Mounts: [{ Type: 'volume', Source: addonVolumeName(host.hostId, request.addonId), Target: ADDON_DATA_DIR, ReadOnly: false }],
      NetworkMode: APPS_NETWORK.name,
      PortBindings: { [portKey]: [{ HostIp: host.address, HostPort: String(port) }] },
      PublishAllPorts: false,
      LogConfig: { Type: 'json-file', Config: { ...LOG_ROTATION } },
      // A stateful server comes back by itself after a crash or an engine restart; the agent
      // starts it too when it finds it stopped.
      RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 },
      AutoRemove: false,
    },
  };
}
