// What moves over NATS between the control plane, agents and routers: subject names and
// message schemas. Every subject that concerns one host carries its id, so per-host NATS
// permissions can confine an agent to its own subjects.
import { z } from 'zod';
import { healthCheck } from './health-check.js';

export const subjects = {
  /** control plane → agent, request/reply */
  run: (hostId: string) => `slipway.host.${hostId}.run`,
  stop: (hostId: string) => `slipway.host.${hostId}.stop`,
  list: (hostId: string) => `slipway.host.${hostId}.list`,
  /** control plane → agent, request/reply: start a one-off container (a release phase, a run) */
  oneOff: (hostId: string) => `slipway.host.${hostId}.oneoff`,
  /** agent → control plane, publish: a one-off's output lines, then its exit, in order */
  oneOffEvents: (hostId: string, runId: string) => `slipway.agent.${hostId}.oneoff.${runId}`,
  /** control plane → agent, publish: an attached run's input (keys, window size, end of input) */
  oneOffInput: (hostId: string, runId: string) => `slipway.host.${hostId}.oneoff-input.${runId}`,
  /** control plane → agent, request/reply: stop a one-off run (its exit is reported as usual) */
  oneOffStop: (hostId: string) => `slipway.host.${hostId}.oneoff-stop`,
  /** control plane → agent, request/reply: run (or find running) an add-on's server, its volume
   *  kept; remove one with its volume */
  addonRun: (hostId: string) => `slipway.host.${hostId}.addon-run`,
  addonRemove: (hostId: string) => `slipway.host.${hostId}.addon-remove`,
  addonRotate: (hostId: string) => `slipway.host.${hostId}.addon-rotate`,
  addonInfo: (hostId: string) => `slipway.host.${hostId}.addon-info`,
  /** control plane → agent, request/reply: a PostgreSQL add-on's write access revoked (over its
   *  plan's storage) or restored */
  addonWriteAccess: (hostId: string) => `slipway.host.${hostId}.addon-write-access`,
  /** control plane → agent, request/reply: a PostgreSQL add-on's dump, encrypted, to the object store; and back */
  addonBackup: (hostId: string) => `slipway.host.${hostId}.addon-backup`,
  addonRestore: (hostId: string) => `slipway.host.${hostId}.addon-restore`,
  /** agent → control plane, request/reply: join with the host's credentials */
  register: (hostId: string) => `slipway.agent.${hostId}.register`,
  /** agent → control plane, publish */
  heartbeat: (hostId: string) => `slipway.agent.${hostId}.heartbeat`,
  instanceEvent: (hostId: string) => `slipway.agent.${hostId}.event`,
  /** agent → control plane, publish: its dynos' memory and CPU (dynoMetrics) */
  dynoMetrics: (hostId: string) => `slipway.agent.${hostId}.metrics`,
  allDynoMetrics: 'slipway.agent.*.metrics',
  /** routers → control plane, publish: each app's traffic over the last window (routerTraffic) */
  routerTraffic: 'slipway.router.traffic',
  /** wildcards the control plane subscribes to */
  allRegistrations: 'slipway.agent.*.register',
  allHeartbeats: 'slipway.agent.*.heartbeat',
  allInstanceEvents: 'slipway.agent.*.event',
  /** control plane → routers, publish: the whole route of one app (idempotent) */
  routeChanged: 'slipway.routes.changed',
  /** control plane → routers, publish: {"hostname": "..."} whose certificate was set or removed */
  certificateChanged: 'slipway.certificates.changed',
  /** control plane → control planes, publish: {"userId", "tokenIds"} whose open streams end */
  accessCutoff: 'slipway.access.cutoff',
  /** anyone → log stream of one app, publish. Keyed by the app's id, not its name: a name
   *  is reused once an app is deleted, and the new app must not see the old one's lines. */
  logs: (appId: string) => `slipway.logs.${appId}`,
  allLogs: 'slipway.logs.>',
  /** control plane → control planes, publish: an app's log drains changed (the forwarder reads them again) */
  logDrainsChanged: 'slipway.log-drains.changed',
} as const;

/** Redis keys that more than one component reads. */
export const sharedKeys = {
  /** hash: app name → JSON Route */
  routes: 'slipway:routes',
  /** hash: hostname → JSON {"cert": PEM, "key": PEM} for custom domains' TLS (SNI) */
  certificates: 'slipway:certificates',
} as const;

/** An add-on an app is attached to, as its containers need it: reached by `name` (the host in its
 *  URL) on the add-on's own network when it runs on the same host, else at its host's address. */
export const addonLink = z.object({
  /** in container, volume and network names */
  addonId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/),
  name: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/),
  hostId: z.string().min(1),
  address: z.string().min(1),
});
export type AddonLink = z.infer<typeof addonLink>;
/** The add-ons a container reaches; none by default. */
const addonLinks = z.array(addonLink).max(64).default([]);

const instanceState = z.enum(['starting', 'up', 'crashed', 'stopping', 'down']);

export const runInstanceRequest = z.object({
  instanceId: z.string().min(1),
  appId: z.string().min(1),
  appName: z.string().min(1),
  type: z.string().min(1),
  index: z.number().int().positive(),
  releaseVersion: z.number().int().positive(),
  image: z.object({ repository: z.string().min(1), digest: z.string().regex(/^sha256:[0-9a-f]{64}$/) }),
  command: z.string().min(1),
  /** Config vars plus PORT, DYNO and friends: secrets, never logged. */
  env: z.record(z.string(), z.string()),
  memoryMb: z.number().int().positive(),
  cpus: z.number().positive(),
  /** The CPU limit while it boots (startup CPU boost): from the start until it is up, or its
   *  boot fails, then `cpus`. The agent keeps it within its machine. Absent: `cpus` throughout. */
  bootCpus: z.number().positive().optional(),
  /** Whether the agent should wait for $PORT to answer HTTP before reporting `up`. */
  checkPort: z.boolean(),
  bootTimeoutSeconds: z.number().int().positive().default(60),
  /** When set, the instance is up only once this check passes (instead of any answer on
   *  $PORT), and is taken out and restarted when it fails `attempts` times in a row. */
  healthCheck: healthCheck.nullable().default(null),
  /** The app's SIGTERM grace, for the stops the agent decides itself (a failed health check);
   *  absent: the agent's default. */
  stopGraceSeconds: z.number().int().min(0).max(300).optional(),
  /** How long the routers take to drop an instance the agent reports unhealthy, waited before
   *  its SIGTERM so requests in flight finish (the platform's drain); absent: none. */
  drainMs: z.number().int().min(0).max(60_000).optional(),
  addons: addonLinks,
});
export type RunInstanceRequest = z.infer<typeof runInstanceRequest>;

export const stopInstanceRequest = z.object({
  instanceId: z.string().min(1),
  graceSeconds: z.number().int().min(0).max(300).default(10),
});
export type StopInstanceRequest = z.infer<typeof stopInstanceRequest>;

/** A terminal's size, wherever one travels (API, WebSocket, NATS). */
export const ttySize = z.object({ cols: z.number().int().min(1).max(1000), rows: z.number().int().min(1).max(1000) });
/** A one-off run's id: it appears in NATS subjects and container names. */
const oneOffRunId = z.string().regex(/^[A-Za-z0-9-]{1,64}$/);

/** A container that runs one command to its end (Heroku's one-off dyno): a release phase, a
 *  `run:detached`. Not restarted, not routed; its output goes to its own events subject and to
 *  the app's log as `dyno`. */
export const runOneOffRequest = z.object({
  runId: oneOffRunId,
  appId: z.string().min(1),
  appName: z.string().min(1),
  /** `release.7`, `run.1234`: the name in DYNO and in the app's log */
  dyno: z.string().regex(/^[a-z][a-z0-9_-]*\.[0-9]+$/),
  image: z.object({ repository: z.string().min(1), digest: z.string().regex(/^sha256:[0-9a-f]{64}$/) }),
  command: z.string().min(1),
  /** Config vars: secrets, never logged. */
  env: z.record(z.string(), z.string()),
  memoryMb: z.number().int().positive(),
  cpus: z.number().positive(),
  /** Killed (and reported so) when it runs longer. */
  timeoutSeconds: z.number().int().positive(),
  /** An attached run: a TTY of this size, its bytes as `data` events and its input on
   *  subjects.oneOffInput (nothing goes to the app's log, as on Heroku). Null: detached. */
  tty: ttySize.nullable().default(null),
  addons: addonLinks,
});
export type RunOneOffRequest = z.infer<typeof runOneOffRequest>;

export const stopOneOffRequest = z.object({
  runId: oneOffRunId,
  graceSeconds: z.number().int().min(0).max(300).default(10),
});
export type StopOneOffRequest = z.infer<typeof stopOneOffRequest>;

export const oneOffInput = z.discriminatedUnion('kind', [
  /** base64 bytes typed into the TTY */
  z.object({ kind: z.literal('stdin'), data: z.string().max(256 * 1024) }),
  z.object({ kind: z.literal('resize') }).extend(ttySize.shape),
  z.object({ kind: z.literal('eof') }),
]);
export type OneOffInput = z.infer<typeof oneOffInput>;

export const oneOffEvent = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('output'), line: z.string(), at: z.string() }),
  /** base64 bytes from an attached run's TTY */
  z.object({ kind: z.literal('data'), data: z.string() }),
  /** The last event of a run: its exit code (null when it never ran) and why it ended, in words. */
  z.object({ kind: z.literal('exit'), exitCode: z.number().int().nullable(), reason: z.string() }),
]);
export type OneOffEvent = z.infer<typeof oneOffEvent>;

export const reply = z.object({ ok: z.boolean(), error: z.string().optional() });
export type Reply = z.infer<typeof reply>;

export const runInstanceReply = reply.extend({ containerId: z.string().optional(), port: z.number().int().optional() });
export type RunInstanceReply = z.infer<typeof runInstanceReply>;

/** What an agent knows of one of its instances. */
export const instanceStatus = z.object({
  instanceId: z.string(),
  appName: z.string(),
  state: instanceState,
  port: z.number().int().nullable(),
  exitCode: z.number().int().nullable(),
  reason: z.string().nullable(),
});
export type InstanceStatus = z.infer<typeof instanceStatus>;

/** One dyno's resource use at one time, as its host's agent read it from Docker. */
export const dynoSample = z.object({
  instanceId: z.string(),
  appId: z.string(),
  /** `web.1` */
  dyno: z.string(),
  memoryRssBytes: z.number().nonnegative(),
  memoryLimitBytes: z.number().nonnegative(),
  /** of one CPU: 150 is one and a half */
  cpuPercent: z.number().nonnegative(),
});
export type DynoSample = z.infer<typeof dynoSample>;
export const dynoMetrics = z.object({ hostId: z.string(), at: z.string(), dynos: z.array(dynoSample).max(1000) });
export type DynoMetrics = z.infer<typeof dynoMetrics>;

/** A router's window of traffic per app: requests by status class, bytes, latency percentiles. */
export const routerTraffic = z.object({
  /** The router that counted it (made at its start): with the window, a record's key. */
  routerId: z.string().min(1).max(64).optional(),
  windowStart: z.string(),
  windowEnd: z.string(),
  apps: z
    .array(
      z.object({
        appId: z.string(),
        appName: z.string(),
        requests: z.number().int().nonnegative(),
        bytes: z.number().nonnegative(),
        classes: z.record(z.string(), z.number().int().nonnegative()),
        p50Ms: z.number().nullable(),
        p95Ms: z.number().nullable(),
        p99Ms: z.number().nullable(),
      }),
    )
    .max(100_000),
});
export type RouterTraffic = z.infer<typeof routerTraffic>;
/** One app's part of a router's window. */
export type AppTrafficWindow = RouterTraffic['apps'][number];

export const listInstancesReply = reply.extend({ instances: z.array(instanceStatus) });
export type ListInstancesReply = z.infer<typeof listInstancesReply>;

export const capacity = z.object({ memoryMb: z.number().nonnegative(), cpus: z.number().nonnegative() });

export const registerRequest = z.object({
  hostId: z.string().min(1),
  token: z.string().min(1),
  address: z.string().min(1),
  capacity,
  agentVersion: z.string(),
});
export type RegisterRequest = z.infer<typeof registerRequest>;

export const heartbeat = z.object({
  hostId: z.string().min(1),
  token: z.string().min(1),
  capacity,
  instances: z.array(instanceStatus),
  at: z.string(),
});
export type Heartbeat = z.infer<typeof heartbeat>;

export const instanceEvent = instanceStatus.extend({ hostId: z.string(), at: z.string() });
export type InstanceEvent = z.infer<typeof instanceEvent>;

export const routeBackend = z.object({ instanceId: z.string(), address: z.string(), port: z.number().int() });
export const route = z.object({
  appName: z.string(),
  /** The app's id (its log stream's key); absent on routes that are not an app's (the API). */
  appId: z.string().optional(),
  hostnames: z.array(z.string()),
  backends: z.array(routeBackend),
  /** Maintenance mode: routers answer with the maintenance page (absent: off). */
  maintenance: z.boolean().optional(),
  /** Asleep (its plan's idle time passed): routers hand its requests to the control planes'
   *  waker, which starts it and answers them (absent: awake). */
  sleeping: z.boolean().optional(),
  /** Plain HTTP requests are redirected to HTTPS (308), and HTTPS answers carry HSTS: the app's
   *  `http-to-https` and `hsts` features (absent: off). */
  httpsRedirect: z.boolean().optional(),
  hsts: z.boolean().optional(),
});
/** A route with no hostnames means the app is gone: routers drop it. */
export const routeChanged = route;

export const logLine = z.object({
  appName: z.string(),
  /** The app's id: the key of its log stream (optional: lines stored by earlier versions lack it). */
  appId: z.string().optional(),
  /** `app` (an instance's output), `router` (access log), `slipway` (platform events) */
  source: z.enum(['app', 'router', 'slipway']),
  /** `web.1`, `router`, `build`, ... */
  process: z.string(),
  line: z.string(),
  at: z.string(),
});
export type LogLine = z.infer<typeof logLine>;

/** Many lines of one app from one source in one message (the router's access logs come so:
 *  one NATS message per app every few hundred milliseconds instead of one per request). */
export const logBatch = z.object({
  appName: z.string(),
  appId: z.string().optional(),
  source: z.enum(['app', 'router', 'slipway']),
  process: z.string(),
  lines: z.array(z.object({ line: z.string(), at: z.string() })),
});
export type LogBatch = z.infer<typeof logBatch>;

/** The lines a message on a logs subject carries: one LogLine or a LogBatch. */
export function logLinesOf(message: unknown): LogLine[] {
  const batch = logBatch.safeParse(message);
  if (batch.success) {
    const { appName, appId, source, process, lines } = batch.data;
    return lines.map(({ line, at }) => ({ appName, appId, source, process, line, at }));
  }
  return [logLine.parse(message)];
}

/** Encodes a message for NATS. */
export function encode(message: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(message));
}

/** Decodes and validates a NATS message; throws a ZodError or SyntaxError on bad input. */
export function decode<S extends z.ZodType>(schema: S, data: Uint8Array): z.infer<S> {
  return schema.parse(JSON.parse(new TextDecoder().decode(data)));
}

/** An add-on's id: in container and volume names. */
const addonId = addonLink.shape.addonId;

/** An add-on's server (PostgreSQL, Redis) on one host, on a named volume the agent keeps until
 *  the add-on is removed. */
export const runAddonRequest = z.object({
  addonId,
  /** The add-on's name: the host its URL names, answered on its network. */
  name: addonLink.shape.name,
  service: z.enum(['postgresql', 'redis']),
  image: z.object({ repository: z.string().min(1), digest: z.string().regex(/^sha256:[0-9a-f]{64}$/) }),
  /** The server's generated credentials and settings (ADDON_USER, ADDON_PASSWORD, ...): secrets, never logged. */
  env: z.record(z.string().regex(/^ADDON_[A-Z_]+$/), z.string()),
  memoryMb: z.number().int().positive(),
  cpus: z.number().positive(),
  /** A plan change: the server's container made again with these limits, on the same volume. */
  recreate: z.boolean().optional(),
  /** The port it is published on when made (again): its URL stays the same; none: a free one. */
  port: z.number().int().min(1).max(65535).optional(),
});
export type RunAddonRequest = z.infer<typeof runAddonRequest>;

export const addonRequest = z.object({ addonId });
export type AddonRequest = z.infer<typeof addonRequest>;

/** A PostgreSQL add-on's user gets a new password (Heroku's pg:credentials:rotate); the current
 *  one signs the change in. Secrets, never logged. */
export const rotateAddonPasswordRequest = z.object({
  addonId,
  user: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/),
  currentPassword: z.string().min(1),
  newPassword: z.string().min(16),
});
export type RotateAddonPasswordRequest = z.infer<typeof rotateAddonPasswordRequest>;

/** A PostgreSQL add-on's write access: `revoke` (ensured again on each call, catching tables made
 *  since) or restore; applied by the server's own superuser, so no credentials travel. The plan's
 *  words go into the error the app's writes get. */
export const addonWriteAccessRequest = z.object({
  addonId,
  database: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/),
  revoke: z.boolean(),
  plan: z.string().min(1).max(100),
  limitMb: z.number().int().nonnegative(),
  restoreBelowMb: z.number().int().nonnegative(),
});
export type AddonWriteAccessRequest = z.infer<typeof addonWriteAccessRequest>;
/** `unenforceable`: the server predates the platform's own superuser in it (its user is the superuser). */
export const addonWriteAccessReply = reply.extend({ unenforceable: z.boolean().optional() });
export type AddonWriteAccessReply = z.infer<typeof addonWriteAccessReply>;

/** What an add-on's server says of itself (pg:info, redis:info), asked with its credentials. */
export const addonInfoRequest = z.object({ addonId, user: z.string().min(1), password: z.string().min(1), database: z.string() });
export type AddonInfoRequest = z.infer<typeof addonInfoRequest>;
export const addonServerInfo = z.object({
  version: z.string(),
  /** PostgreSQL: the database's size; Redis: the memory in use */
  bytes: z.number().nonnegative(),
  connections: z.number().int().nonnegative(),
  /** PostgreSQL: tables; Redis: keys */
  objects: z.number().int().nonnegative(),
  /** what its volume holds (du), measured against the plan's storage */
  storageBytes: z.number().nonnegative().optional(),
});
export type AddonServerInfo = z.infer<typeof addonServerInfo>;
export const addonInfoReply = reply.extend({ info: addonServerInfo.optional() });
export type AddonInfoReply = z.infer<typeof addonInfoReply>;

/** The host port the add-on's server answers on (the host's private address). */
export const runAddonReply = reply.extend({ port: z.number().int().optional() });
export type RunAddonReply = z.infer<typeof runAddonReply>;

/** Where backups are kept: an S3-compatible store (path-style addressing for non-AWS endpoints). Secrets, never logged. */
export const backupStorage = z.object({
  /** null: AWS S3 itself */
  endpoint: z.string().url().nullable(),
  region: z.string().min(1),
  bucket: z.string().min(3),
  accessKeyId: z.string().min(1),
  secretAccessKey: z.string().min(1),
  forcePathStyle: z.boolean(),
});
export type BackupStorage = z.infer<typeof backupStorage>;

/** A PostgreSQL add-on's dump to `objectKey` (capture), or from it into the database (restore),
 *  sealed with that one backup's key (base64, derived on the control plane; the platform's key
 *  never leaves it). Secrets, never logged. */
export const addonBackupRequest = z.object({
  addonId,
  user: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/),
  password: z.string().min(1),
  database: z.string().min(1),
  storage: backupStorage,
  objectKey: z.string().min(1).max(512),
  key: z.string().regex(/^[A-Za-z0-9+/]{43}=$/),
});
export type AddonBackupRequest = z.infer<typeof addonBackupRequest>;
/** `bytes`: the stored (encrypted) object's size */
export const addonBackupReply = reply.extend({ bytes: z.number().int().nonnegative().optional() });
export type AddonBackupReply = z.infer<typeof addonBackupReply>;
