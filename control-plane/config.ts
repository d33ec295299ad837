// The control plane's configuration, read once from the environment by main.ts.
import type { ControlPlaneEnvKey } from '../common/env/control-plane.js';
import type { EveryKeyParsed } from '../common/env/keys.js';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../common/errors.js';
import { loadBrand, type Brand } from '../common/brand.js';
import { readSettingsFile } from '../common/settings-file.js';
import { parsePlanCatalogue, UNLIMITED_CATALOGUE, type PlanCatalogue } from './plans/catalogue.js';
import { flag, parseEnv, port, slipwayHome, type Env } from '../common/config.js';
import { backupsSettings, type BackupsSettings } from './backups/settings.js';
import { defaultBuildCpus } from '../buildpacks/config.js';
import { isRepository } from '../common/image-reference.js';
import { DEFAULT_STACK_RECIPE, STACK_RECIPES, stackRecipe } from '../buildpacks/stack/recipe.js';
import type { LogStreamLimits } from './logs/stream.js';
import { parseNetworks } from './drains/addresses.js';
import type { ConfigLimits } from './releases/config-limits.js';
import { parseAwsHostSettings, type AwsHostSettings } from '../host-providers/aws/hosts-settings.js';
import { parseOidcSettings, type OidcSettings } from './accounts/oidc-settings.js';

/** An image repository path (lower-case components separated by `.`, `_`, `-` or `/`). */
const repositoryPath = z.string().refine(isRepository, 'must be a registry repository name');

const schema = z.object({
  SLIPWAY_API_HOST: z.string().default('127.0.0.1'),
  SLIPWAY_API_PORT: port.default(5780),
  /** Serve the API through the routers at this hostname (AWS: api.<domain>) ... */
  SLIPWAY_API_HOSTNAME: z.string().optional(),
  /** ... dialing this machine's private address (written from IMDSv2 on AWS). */
  SLIPWAY_HOST_ADDRESS: z.string().optional(),
  SLIPWAY_REDIS_URL: z.string().min(1),
  /** With the auth and platform users files, NATS enforces per-host users that the control plane
   *  maintains; with the pid file it signals the reload (else a file watcher does, as on AWS). */
  SLIPWAY_NATS_AUTH_FILE: z.string().optional(),
  SLIPWAY_NATS_PID_FILE: z.string().optional(),
  SLIPWAY_NATS_PLATFORM_USERS_FILE: z.string().optional(),
  SLIPWAY_NATS_URL: z.string().min(1),
  /** host[:port] of the image registry, as the control plane and local hosts reach it */
  SLIPWAY_REGISTRY: z.string().min(1),
  /** Credential-helper JSON ({"ServerURL","Username","Secret"}) for the registry, read at each use (ECR on AWS). */
  SLIPWAY_REGISTRY_AUTH_FILE: z.string().startsWith('/', 'an absolute path').optional(),
  /** The key that signs the registry's tokens and its self-signed certificate (both or neither):
   *  with them the control plane is the registry's token server (Docker's token auth). */
  SLIPWAY_REGISTRY_TOKEN_KEY_FILE: z.string().startsWith('/', 'an absolute path').optional(),
  /** Heroku's rendezvous for the stock `heroku run`: a TLS port where attached one-off dynos
   *  are joined with the secret of their attach URL. Off without a certificate and key. */
  SLIPWAY_RENDEZVOUS_PORT: port.default(5785),
  SLIPWAY_RENDEZVOUS_CERT_FILE: z.string().startsWith('/', 'an absolute path').optional(),
  /** The API (and git) over TLS as well, on this port (Heroku's git remotes are https://). Off
   *  without a certificate and key. */
  SLIPWAY_API_TLS_PORT: port.default(5786),
  SLIPWAY_API_TLS_CERT_FILE: z.string().startsWith('/', 'an absolute path').optional(),
  SLIPWAY_API_TLS_KEY_FILE: z.string().startsWith('/', 'an absolute path').optional(),
  SLIPWAY_RENDEZVOUS_KEY_FILE: z.string().startsWith('/', 'an absolute path').optional(),
  /** The host name in rendezvous attach URLs (its certificate's); default: the API request's. */
  SLIPWAY_RENDEZVOUS_HOST: z.string().optional(),
  SLIPWAY_REGISTRY_TOKEN_CERT_FILE: z.string().startsWith('/', 'an absolute path').optional(),
  /** Plain HTTP to a registry that is not on loopback (loopback registries always get plain HTTP). */
  SLIPWAY_REGISTRY_INSECURE: flag.default(false),
  /** Apps' image repositories are `<prefix>/<app>`; the stack's is its own (ECR on AWS). */
  SLIPWAY_REGISTRY_REPOSITORY_PREFIX: repositoryPath.default('apps'),
  SLIPWAY_REGISTRY_STACK_REPOSITORY: repositoryPath.default('slipway/stack'),
  SLIPWAY_APPS_DOMAIN: z.string().default('localhost'),
  /** Public URL scheme/port appended to app URLs in messages (e.g. the router's address). */
  SLIPWAY_ROUTER_URL: z.string().optional(),
  SLIPWAY_BOOTSTRAP_ADMIN_TOKEN: z.string().optional(),
  SLIPWAY_BUILD_CA_FILE: z.string().default('/etc/ssl/certs/ca-certificates.crt'),
  SLIPWAY_NPM_REGISTRY: z.string().default('https://registry.npmjs.org'),
  /** The stack new apps get (`bookworm` or `trixie`); an app changes its own with `stack:set`. */
  SLIPWAY_DEFAULT_STACK: z
    .string()
    .default(DEFAULT_STACK_RECIPE.name)
    .refine((name) => stackRecipe(name) !== undefined, `must name a stack: ${STACK_RECIPES.map((r) => r.name).join(', ')}`),
  SLIPWAY_PYPI_INDEX_URL: z.string().default('https://pypi.org/simple'),
  /** Go module proxy for Go builds' toolchains and modules (GOPROXY); one URL, it must also pass through the checksum database. */
  SLIPWAY_GOPROXY: z.string().url().default('https://proxy.golang.org'),
  /** Operator images instead of a stack built from Debian's packages, per stack (both or neither).
   *  The unnamed pair is bookworm's, from when it was the only stack. */
  SLIPWAY_MAVEN_REPOSITORY: z.string().default('https://repo1.maven.org/maven2'),
  SLIPWAY_STACK_RUN_IMAGE: z.string().optional(),
  SLIPWAY_STACK_BUILD_IMAGE: z.string().optional(),
  SLIPWAY_STACK_BOOKWORM_RUN_IMAGE: z.string().optional(),
  SLIPWAY_STACK_BOOKWORM_BUILD_IMAGE: z.string().optional(),
  SLIPWAY_STACK_TRIXIE_RUN_IMAGE: z.string().optional(),
  SLIPWAY_STACK_TRIXIE_BUILD_IMAGE: z.string().optional(),
  SLIPWAY_BUILD_MEMORY_MB: z.coerce.number().int().positive().default(2048),
  SLIPWAY_BUILD_CPUS: z.coerce.number().positive().default(defaultBuildCpus),
  SLIPWAY_BUILD_TIMEOUT_SECONDS: z.coerce.number().int().positive().default(900),
  SLIPWAY_DOCKER_CLI: z.string().min(1).default('/usr/bin/docker'),
  /** Docker Hub FROM images of Dockerfile builds come from this registry path (e.g. `mirror.internal/dockerhub`). */
  SLIPWAY_DOCKER_BASE_MIRROR: z.string().regex(/^[a-z0-9.-]+(:[0-9]+)?(\/[a-z0-9._\/-]+)?$/, 'must be host[:port][/path]').optional(),
  /** Operator-only /metrics (disk pressure), on 127.0.0.1. */
  SLIPWAY_CONTROL_PLANE_METRICS_PORT: port.default(5784),
  /** Warn (and report slipway_disk_low) when the state dir's or Docker's volume has less free than this ... */
  SLIPWAY_DISK_MIN_FREE_MB: z.coerce.number().min(0).default(2048),
  /** ... or less than this share free. */
  SLIPWAY_DISK_MIN_FREE_PERCENT: z.coerce.number().min(0).max(100).default(5),
  SLIPWAY_DISK_CHECK_INTERVAL_SECONDS: z.coerce.number().positive().default(60),
  /** App images used by none of an app's last N releases (nor by a deleted app) leave the registry. */
  SLIPWAY_IMAGE_KEEP_RELEASES: z.coerce.number().int().min(2).default(10),
  SLIPWAY_IMAGE_COLLECT_INTERVAL_SECONDS: z.coerce.number().positive().default(3600),
  /** A build's output lines are cut at this many bytes, and its command output at this many MB in all. */
  SLIPWAY_BUILD_LOG_LINE_BYTES: z.coerce.number().int().min(80).default(8192),
  SLIPWAY_BUILD_LOG_MAX_MB: z.coerce.number().positive().default(10),
  SLIPWAY_BUILDPACK_REGISTRY_FILE: z.string().optional(),
  SLIPWAY_BUILDPACK_FETCH_TIMEOUT_SECONDS: z.coerce.number().int().positive().default(120),
  SLIPWAY_BUILDPACK_MAX_MB: z.coerce.number().positive().default(100),
  /** Builds running at once on the whole platform; later pushes wait in a queue. */
  SLIPWAY_BUILD_CONCURRENCY: z.coerce.number().int().positive().default(2),
  /** Log tails (`slipway logs --tail`) one user may hold open at once. */
  SLIPWAY_LOG_TAILS_PER_USER: z.coerce.number().int().positive().default(10),
  /** Where hosts come from: agent processes on this machine, or the AWS engine group
   *  (then the SLIPWAY_AWS_* settings and SLIPWAY_ENROLLMENT_SECRET are required). */
  SLIPWAY_HOST_PROVIDER: z.enum(['local', 'aws']).default('local'),
  /** How many local hosts (agent processes) to run; 0 when hosts come from another provider. */
  SLIPWAY_LOCAL_HOSTS: z.coerce.number().int().min(0).default(1),
  /** Whether local agents stop their app containers when the platform stops. */
  SLIPWAY_LOCAL_STOP_INSTANCES_ON_EXIT: z.enum(['true', 'false']).default('true'),
  SLIPWAY_AGENT_ENTRY: z.string().optional(),
  SLIPWAY_RECONCILE_INTERVAL_MS: z.coerce.number().int().positive().default(3000),
  // three missed heartbeats (agents send one every 2 s)
  SLIPWAY_HOST_DOWN_AFTER_MS: z.coerce.number().int().positive().default(6_000),
  SLIPWAY_BOOT_TIMEOUT_SECONDS: z.coerce.number().int().positive().default(60),
  /** Startup CPU boost: an instance boots with this many times its dyno's CPU (within its
   *  host's), until it is up; 1 turns it off. */
  SLIPWAY_STARTUP_CPU_BOOST: z.coerce.number().min(1).max(8).default(2),
  /** How long a release phase may run before it is killed and the release failed (Heroku: 1 h). */
  SLIPWAY_RELEASE_PHASE_TIMEOUT_SECONDS: z.coerce.number().int().positive().default(3600),
  SLIPWAY_STOP_GRACE_SECONDS: z.coerce.number().int().min(0).default(10),
  /** How long a web instance leaving the route keeps serving in-flight requests before SIGTERM. */
  SLIPWAY_DRAIN_MS: z.coerce.number().int().min(0).default(2000),
  SLIPWAY_MAX_BODY_BYTES: z.coerce.number().int().positive().default(1_048_576),
  /** Heroku's API budget per account and hour (0: no limit). */
  SLIPWAY_API_RATE_LIMIT_PER_HOUR: z.coerce.number().int().min(0).default(4500),
  /** Largest pack a git push may send; larger pushes are refused and nothing is stored. */
  SLIPWAY_MAX_PUSH_BYTES: z.coerce.number().int().positive().default(268_435_456),
  /** Per-app config var limits (Heroku: 32 kB for all names and values together). */
  SLIPWAY_CONFIG_MAX_VARS: z.coerce.number().int().positive().default(500),
  SLIPWAY_CONFIG_MAX_NAME_BYTES: z.coerce.number().int().positive().default(256),
  SLIPWAY_CONFIG_MAX_VALUE_BYTES: z.coerce.number().int().positive().default(32_768),
  SLIPWAY_CONFIG_MAX_TOTAL_BYTES: z.coerce.number().int().positive().default(32_768),
  /** A client has this long to send a request's headers, and this long for the whole request
   *  (a git push's pack included; the build's output afterwards is not counted). */
  SLIPWAY_API_HEADERS_TIMEOUT_SECONDS: z.coerce.number().positive().default(20),
  SLIPWAY_API_REQUEST_TIMEOUT_SECONDS: z.coerce.number().positive().default(600),
  SLIPWAY_LOG_LEVEL: z.string().default('info'),
  /** The app log stream's size on disk (the oldest lines go first) and its largest message. */
  SLIPWAY_LOG_STREAM_MAX_BYTES: z.coerce.number().int().positive().default(536_870_912),
  SLIPWAY_LOG_MAX_MESSAGE_BYTES: z.coerce.number().int().positive().default(1_048_576),
  /** Log drains: how many an app may have, and the lines each holds while it is slow or down. */
  SLIPWAY_LOG_DRAINS_PER_APP: z.coerce.number().int().min(0).default(5),
  SLIPWAY_LOG_DRAIN_BUFFER_LINES: z.coerce.number().int().positive().default(5000),
  /** PEM certificates TLS drains are verified against, instead of Node's bundled CAs. */
  SLIPWAY_LOG_DRAIN_CA_FILE: z.string().startsWith('/', 'an absolute path').optional(),
  /** Plain http:// drains (tests); https:// otherwise. */
  SLIPWAY_LOG_DRAIN_ALLOW_HTTP: flag.default(false),
  /** Internal networks (CIDRs, comma-separated) drains may reach anyway; none by default. */
  SLIPWAY_LOG_DRAIN_ALLOWED_NETWORKS: z
    .string()
    .default('')
    .transform((value, ctx) => {
      try {
        return parseNetworks(value);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    }),
  /** Who may make an account themselves: anyone (open), invited emails (invite), or nobody (closed: operators create users). */
  /** The operator's plans (YAML or JSON: control-plane/plans/catalogue.ts); unset: one plan without limits. */
  SLIPWAY_PLANS_FILE: z.string().optional(),
  SLIPWAY_SIGNUP: z.enum(['open', 'invite', 'closed']).default('closed'),
  /** Sign-up, login and reset requests per client address per hour (guessing and mail-bombing). */
  SLIPWAY_ACCOUNT_RATE_LIMIT_PER_HOUR: z.coerce.number().int().min(0).default(60),
  /** Where the platform's email leaves (smtp://user:pass@host:port, smtps://…); unset: no email (sign-up and resets answer 503). */
  SLIPWAY_SMTP_URL: z.string().url().refine((u) => /^smtps?:\/\//.test(u), 'must be smtp:// or smtps://').optional(),
  /** default: `<brand name> <no-reply@localhost>` */
  SLIPWAY_SMTP_FROM: z.string().optional(),
  /** The provider's brand (common/brand.ts); unset: Slipway's. */
  SLIPWAY_BRAND_FILE: z.string().optional(),
  /** Webhooks and emails: attempts before a delivery is given up (dead-lettered), and one attempt's time limit. */
  SLIPWAY_DELIVERY_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(12),
  /** The first retry's wait after a failed delivery (each next one doubles). */
  SLIPWAY_DELIVERY_FIRST_RETRY_SECONDS: z.coerce.number().positive().default(5),
  /** The provider's billing system: each usage record is POSTed there, signed (Standard Webhooks) with the secret. */
  SLIPWAY_BILLING_WEBHOOK_URL: z.string().url().refine((u) => /^https?:\/\//.test(u), 'must be http:// or https://').optional(),
  SLIPWAY_BILLING_WEBHOOK_SECRET: z.string().min(16).optional(),
  /** How often running dynos' time is written to the usage ledger. */
  SLIPWAY_USAGE_FLUSH_SECONDS: z.coerce.number().positive().default(60),
  /** How long dynos' memory and CPU samples are kept (`slipway metrics`). */
  /** How often PostgreSQL add-ons' data is held against their plans' storage (write access revoked or restored). */
  SLIPWAY_ADDON_STORAGE_CHECK_SECONDS: z.coerce.number().positive().default(60),
  /** How often alerts are evaluated against the apps' router windows. */
  SLIPWAY_ALERT_INTERVAL_SECONDS: z.coerce.number().positive().default(30),
  SLIPWAY_METRICS_RETENTION_HOURS: z.coerce.number().positive().max(24 * 31).default(24),
  SLIPWAY_WEBHOOK_TIMEOUT_SECONDS: z.coerce.number().positive().default(10),
  /** Third-party add-ons: how long a partner has to answer (Heroku gives 30 s), and the first
   *  wait before an idempotent call (plan change, deprovision) is sent again, doubling each time. */
  SLIPWAY_ADDON_PARTNER_TIMEOUT_SECONDS: z.coerce.number().positive().default(30),
  SLIPWAY_ADDON_PARTNER_RETRY_SECONDS: z.coerce.number().positive().default(1),
  SLIPWAY_ADDON_PARTNER_ATTEMPTS: z.coerce.number().int().positive().default(4),
  SLIPWAY_ADDON_PARTNER_GRANT_SECONDS: z.coerce.number().positive().default(300),
  SLIPWAY_ADDON_PARTNER_TOKEN_SECONDS: z.coerce.number().int().positive().default(28_800),
  /** Automated Certificate Management: the ACME CA's directory (unset: ACM is not offered), the
   *  account's contact, a CA file to trust for the directory's TLS, how often domains are checked,
   *  and the first retry's wait after a failed order (doubling from there). */
  /** Free-tier sleep: the waker's port and address (where routers send a sleeping app's requests;
   *  unset: no app sleeps, whatever its plan says) and how often idle apps are looked for. */
  SLIPWAY_WAKE_PORT: port.optional(),
  SLIPWAY_WAKE_BIND: z.string().min(1).default('127.0.0.1'),
  SLIPWAY_SLEEP_CHECK_SECONDS: z.coerce.number().positive().default(30),
  SLIPWAY_ACME_DIRECTORY_URL: z.string().url().refine((u) => u.startsWith('https://'), 'must be https://').optional(),
  SLIPWAY_ACME_EMAIL: z.string().email().optional(),
  SLIPWAY_ACME_CA_FILE: z.string().min(1).optional(),
  SLIPWAY_ACME_INTERVAL_SECONDS: z.coerce.number().positive().default(60),
  SLIPWAY_ACME_RETRY_SECONDS: z.coerce.number().positive().default(300),
  SLIPWAY_HOME: z.string().optional(),
});

export interface ControlPlaneConfig {
  home: string;
  /** PostgreSQL add-ons' backups: the S3-compatible store (null: not offered) and the key (control-plane/backups/settings.ts). */
  backups: BackupsSettings;
  api: { host: string; port: number; maxBodyBytes: number; rateLimitPerHour: number; headersTimeoutMs: number; requestTimeoutMs: number; route: { hostname: string; address: string } | null; tls: TlsListener | null };
  redisUrl: string;
  natsUrl: string;
  natsAuth: { authFile: string; pidFile: string | null; platformUsersFile: string } | null;
  registry: string;
  /** Where the registry credentials are (a path: the file is read at each use, never logged), or null for an open registry. */
  registryAuthFile: string | null;
  registryInsecure: boolean;
  /** Where the registry token signing key and certificate are, or null when the registry takes no tokens from here. */
  registryToken: { keyFile: string; certFile: string } | null;
  /** Heroku's rendezvous for attached one-off dynos; null: only the WebSocket attach. */
  rendezvous: { port: number; certFile: string; keyFile: string; host: string | null } | null;
  registryRepositories: { appPrefix: string; stack: string };
  appsDomain: string;
  routerUrl: string | null;
  bootstrapAdminToken: string | null;
  configLimits: ConfigLimits;
  build: {
    caFile: string;
    npmRegistry: string;
    /** The stack new apps get. */
    defaultStack: string;
    /** Operator images by stack name (each both or neither; checked by the builder's config). */
    stackImages: Record<string, { runImage?: string; buildImage?: string }>;
    pypiIndexUrl: string;
    goProxy: string;
    mavenRepository: string;
    limits: { memoryMb: number; cpus: number; timeoutSeconds: number };
    /** The Docker CLI for Dockerfile builds (BuildKit built in, as Debian's docker.io has it). */
    dockerCli: string;
    dockerBaseMirror: string | null;
    log: { maxLineBytes: number; maxBytes: number };
    /** builds running at once, platform-wide */
    concurrency: number;
    workDir: string;
    cacheDir: string;
    /** JSON name -> URL of buildpacks the operator registered (read at start) */
    buildpackRegistryFile: string | null;
    buildpackFetch: { timeoutSeconds: number; maxBytes: number };
  };
  /** Collection of unused app images: releases per app whose images stay, and how often. */
  images: { keepReleases: number; collectIntervalMs: number };
  metrics: { port: number };
  disk: { minFreeBytes: number; minFreeRatio: number; checkIntervalMs: number };
  gitRoot: string;
  maxPushBytes: number;
  logs: { tailsPerUser: number };
  localHosts: { count: number; stopInstancesOnExit: boolean; dir: string; agentEntry: string | null };
  /** Engine hosts from the AWS auto scaling group (SLIPWAY_HOST_PROVIDER=aws), else null. */
  aws: AwsHostSettings | null;
  scheduler: {
    reconcileIntervalMs: number;
    hostDownAfterMs: number;
    bootTimeoutSeconds: number;
    startupCpuBoost: number;
    stopGraceSeconds: number;
    drainMs: number;
  };
  releasePhaseTimeoutSeconds: number;
  logLevel: string;
  logStream: LogStreamLimits;
  logDrains: { perApp: number; bufferLines: number; caFile: string | null; allowHttp: boolean; allowedNetworks: string[] };
  /** oidc: sign-in through the provider's identity provider (SLIPWAY_OIDC_*), or null. */
  accounts: { signup: 'open' | 'invite' | 'closed'; rateLimitPerHour: number; oidc: OidcSettings | null };
  /** The provider's name, CLI command, token prefix... everywhere a user looks. */
  brand: Brand;
  /** What accounts may take, by plan. */
  plans: PlanCatalogue;
  /** Outbound webhooks and email (control-plane/delivery). */
  delivery: { smtp: { url: string; from: string } | null; maxAttempts: number; firstRetryMs: number; webhookTimeoutMs: number };
  /** Calls to third-party add-on partners (partner-addons/). */
  partnerAddons: { timeoutMs: number; retry: { attempts: number; baseDelayMs: number }; /** how long a grant code and an access token live */ oauth: { grantMs: number; accessMs: number } };
  /** Metered usage: how often running dynos are written, and where records go for billing. */
  usage: { flushMs: number; billingWebhook: { url: string; secret: string } | null };
  /** How long dyno metrics are kept. */
  metricsRetentionMs: number;
  alertIntervalMs: number;
  /** How often PostgreSQL add-ons' storage is checked against their plans (addons/storage-enforcement.ts). */
  addonStorageCheckMs: number;
  /** Free-tier sleep (null: no waker, so no app sleeps). */
  sleep: { wakePort: number; wakeBind: string; checkIntervalMs: number } | null;
  /** Automated Certificate Management (null: not offered). */
  acme: { directoryUrl: string; email: string | null; caFile: string | null; intervalMs: number; retryMs: number } | null;
}

function apiRoute(hostname: string | undefined, address: string | undefined): { hostname: string; address: string } | null {
  if (!hostname) return null;
  if (!address) throw new ConfigError('SLIPWAY_API_HOSTNAME needs SLIPWAY_HOST_ADDRESS: the address routers reach the API on');
  return { hostname, address };
}

/** Operator stack images by stack name: the unnamed pair is bookworm's, and may not be set
 *  beside bookworm's named pair. */
function stackImages(e: z.output<typeof schema>): Record<string, { runImage?: string; buildImage?: string }> {
  const legacy = e.SLIPWAY_STACK_RUN_IMAGE !== undefined || e.SLIPWAY_STACK_BUILD_IMAGE !== undefined;
  const named = e.SLIPWAY_STACK_BOOKWORM_RUN_IMAGE !== undefined || e.SLIPWAY_STACK_BOOKWORM_BUILD_IMAGE !== undefined;
  if (legacy && named) {
    throw new ConfigError('SLIPWAY_STACK_RUN_IMAGE/_BUILD_IMAGE are the bookworm stack\'s: set them or SLIPWAY_STACK_BOOKWORM_*_IMAGE, not both');
  }
  const images: Record<string, { runImage?: string; buildImage?: string }> = {};
  const add = (name: string, runImage: string | undefined, buildImage: string | undefined) => {
    if (runImage !== undefined || buildImage !== undefined) images[name] = { runImage, buildImage };
  };
  add('bookworm', e.SLIPWAY_STACK_BOOKWORM_RUN_IMAGE ?? e.SLIPWAY_STACK_RUN_IMAGE, e.SLIPWAY_STACK_BOOKWORM_BUILD_IMAGE ?? e.SLIPWAY_STACK_BUILD_IMAGE);
  add('trixie', e.SLIPWAY_STACK_TRIXIE_RUN_IMAGE, e.SLIPWAY_STACK_TRIXIE_BUILD_IMAGE);
  return images;
}

function rendezvous(e: { SLIPWAY_RENDEZVOUS_PORT: number; SLIPWAY_RENDEZVOUS_CERT_FILE?: string; SLIPWAY_RENDEZVOUS_KEY_FILE?: string; SLIPWAY_RENDEZVOUS_HOST?: string }): ControlPlaneConfig['rendezvous'] {
  const listener = tlsListener('SLIPWAY_RENDEZVOUS', e.SLIPWAY_RENDEZVOUS_PORT, e.SLIPWAY_RENDEZVOUS_CERT_FILE, e.SLIPWAY_RENDEZVOUS_KEY_FILE);
  return listener && { ...listener, host: e.SLIPWAY_RENDEZVOUS_HOST ?? null };
}

/** A TLS port with its certificate and key. */
export interface TlsListener {
  port: number;
  certFile: string;
  keyFile: string;
}

function tlsListener(prefix: string, port: number, certFile: string | undefined, keyFile: string | undefined): TlsListener | null {
  if (!certFile && !keyFile) return null;
  if (!certFile || !keyFile) throw new ConfigError(`${prefix}_CERT_FILE and ${prefix}_KEY_FILE go together: set both or neither`);
  return { port, certFile, keyFile };
}

function registryToken(keyFile: string | undefined, certFile: string | undefined): ControlPlaneConfig['registryToken'] {
  if (!keyFile && !certFile) return null;
  if (!keyFile || !certFile) throw new ConfigError('SLIPWAY_REGISTRY_TOKEN_KEY_FILE and SLIPWAY_REGISTRY_TOKEN_CERT_FILE go together: set both or neither');
  return { keyFile, certFile };
}

export function loadControlPlaneConfig(env: Env): ControlPlaneConfig {
  const e = parseEnv(schema, env);
  const home = slipwayHome(env);
  const brand = loadBrand(e.SLIPWAY_BRAND_FILE);
  return {
    home,
    backups: backupsSettings(env, home),
    api: {
      host: e.SLIPWAY_API_HOST,
      port: e.SLIPWAY_API_PORT,
      maxBodyBytes: e.SLIPWAY_MAX_BODY_BYTES,
      rateLimitPerHour: e.SLIPWAY_API_RATE_LIMIT_PER_HOUR,
      headersTimeoutMs: e.SLIPWAY_API_HEADERS_TIMEOUT_SECONDS * 1000,
      requestTimeoutMs: Math.max(e.SLIPWAY_API_REQUEST_TIMEOUT_SECONDS, e.SLIPWAY_API_HEADERS_TIMEOUT_SECONDS) * 1000,
      route: apiRoute(e.SLIPWAY_API_HOSTNAME, e.SLIPWAY_HOST_ADDRESS),
      tls: tlsListener('SLIPWAY_API_TLS', e.SLIPWAY_API_TLS_PORT, e.SLIPWAY_API_TLS_CERT_FILE, e.SLIPWAY_API_TLS_KEY_FILE),
    },
    redisUrl: e.SLIPWAY_REDIS_URL,
    natsUrl: e.SLIPWAY_NATS_URL,
    natsAuth:
      e.SLIPWAY_NATS_AUTH_FILE && e.SLIPWAY_NATS_PLATFORM_USERS_FILE
        ? { authFile: e.SLIPWAY_NATS_AUTH_FILE, pidFile: e.SLIPWAY_NATS_PID_FILE ?? null, platformUsersFile: e.SLIPWAY_NATS_PLATFORM_USERS_FILE }
        : null,
    registry: e.SLIPWAY_REGISTRY,
    registryAuthFile: e.SLIPWAY_REGISTRY_AUTH_FILE ?? null,
    registryInsecure: e.SLIPWAY_REGISTRY_INSECURE,
    registryToken: registryToken(e.SLIPWAY_REGISTRY_TOKEN_KEY_FILE, e.SLIPWAY_REGISTRY_TOKEN_CERT_FILE),
    rendezvous: rendezvous(e),
    registryRepositories: { appPrefix: e.SLIPWAY_REGISTRY_REPOSITORY_PREFIX, stack: e.SLIPWAY_REGISTRY_STACK_REPOSITORY },
    appsDomain: e.SLIPWAY_APPS_DOMAIN,
    routerUrl: e.SLIPWAY_ROUTER_URL ?? null,
    bootstrapAdminToken: e.SLIPWAY_BOOTSTRAP_ADMIN_TOKEN ?? null,
    configLimits: {
      maxVars: e.SLIPWAY_CONFIG_MAX_VARS,
      maxNameBytes: e.SLIPWAY_CONFIG_MAX_NAME_BYTES,
      maxValueBytes: e.SLIPWAY_CONFIG_MAX_VALUE_BYTES,
      maxTotalBytes: e.SLIPWAY_CONFIG_MAX_TOTAL_BYTES,
    },
    build: {
      caFile: e.SLIPWAY_BUILD_CA_FILE,
      npmRegistry: e.SLIPWAY_NPM_REGISTRY,
      defaultStack: e.SLIPWAY_DEFAULT_STACK,
      stackImages: stackImages(e),
      pypiIndexUrl: e.SLIPWAY_PYPI_INDEX_URL,
      goProxy: e.SLIPWAY_GOPROXY,
      mavenRepository: e.SLIPWAY_MAVEN_REPOSITORY,
      dockerCli: e.SLIPWAY_DOCKER_CLI,
      dockerBaseMirror: e.SLIPWAY_DOCKER_BASE_MIRROR ?? null,
      limits: {
        memoryMb: e.SLIPWAY_BUILD_MEMORY_MB,
        cpus: e.SLIPWAY_BUILD_CPUS,
        timeoutSeconds: e.SLIPWAY_BUILD_TIMEOUT_SECONDS,
      },
      log: { maxLineBytes: e.SLIPWAY_BUILD_LOG_LINE_BYTES, maxBytes: Math.round(e.SLIPWAY_BUILD_LOG_MAX_MB * 1024 * 1024) },
      concurrency: e.SLIPWAY_BUILD_CONCURRENCY,
      buildpackRegistryFile: e.SLIPWAY_BUILDPACK_REGISTRY_FILE ?? null,
      buildpackFetch: { timeoutSeconds: e.SLIPWAY_BUILDPACK_FETCH_TIMEOUT_SECONDS, maxBytes: Math.round(e.SLIPWAY_BUILDPACK_MAX_MB * 1024 * 1024) },
      workDir: join(home, 'builds'),
      cacheDir: join(home, 'cache'),
    },
    metrics: { port: e.SLIPWAY_CONTROL_PLANE_METRICS_PORT },
    disk: { minFreeBytes: e.SLIPWAY_DISK_MIN_FREE_MB * 1024 * 1024, minFreeRatio: e.SLIPWAY_DISK_MIN_FREE_PERCENT / 100, checkIntervalMs: e.SLIPWAY_DISK_CHECK_INTERVAL_SECONDS * 1000 },
    images: { keepReleases: e.SLIPWAY_IMAGE_KEEP_RELEASES, collectIntervalMs: e.SLIPWAY_IMAGE_COLLECT_INTERVAL_SECONDS * 1000 },
    gitRoot: join(home, 'git'),
    maxPushBytes: e.SLIPWAY_MAX_PUSH_BYTES,
    logs: { tailsPerUser: e.SLIPWAY_LOG_TAILS_PER_USER },
    localHosts: {
      count: e.SLIPWAY_LOCAL_HOSTS,
      stopInstancesOnExit: e.SLIPWAY_LOCAL_STOP_INSTANCES_ON_EXIT === 'true',
      dir: join(home, 'hosts'),
      agentEntry: e.SLIPWAY_AGENT_ENTRY ?? null,
    },
    aws: e.SLIPWAY_HOST_PROVIDER === 'aws' ? parseAwsHostSettings(env) : null,
    scheduler: {
      reconcileIntervalMs: e.SLIPWAY_RECONCILE_INTERVAL_MS,
      hostDownAfterMs: e.SLIPWAY_HOST_DOWN_AFTER_MS,
      bootTimeoutSeconds: e.SLIPWAY_BOOT_TIMEOUT_SECONDS,
      startupCpuBoost: e.SLIPWAY_STARTUP_CPU_BOOST,
      stopGraceSeconds: e.SLIPWAY_STOP_GRACE_SECONDS,
      drainMs: e.SLIPWAY_DRAIN_MS,
    },
    releasePhaseTimeoutSeconds: e.SLIPWAY_RELEASE_PHASE_TIMEOUT_SECONDS,
    partnerAddons: {
      timeoutMs: e.SLIPWAY_ADDON_PARTNER_TIMEOUT_SECONDS * 1000,
      retry: { attempts: e.SLIPWAY_ADDON_PARTNER_ATTEMPTS, baseDelayMs: e.SLIPWAY_ADDON_PARTNER_RETRY_SECONDS * 1000 },
      oauth: { grantMs: e.SLIPWAY_ADDON_PARTNER_GRANT_SECONDS * 1000, accessMs: e.SLIPWAY_ADDON_PARTNER_TOKEN_SECONDS * 1000 },
    },
    logLevel: e.SLIPWAY_LOG_LEVEL,
    brand,
    plans: e.SLIPWAY_PLANS_FILE ? parsePlanCatalogue(readSettingsFile('SLIPWAY_PLANS_FILE', e.SLIPWAY_PLANS_FILE), e.SLIPWAY_PLANS_FILE) : UNLIMITED_CATALOGUE,
    logStream: { maxBytes: e.SLIPWAY_LOG_STREAM_MAX_BYTES, maxMessageBytes: e.SLIPWAY_LOG_MAX_MESSAGE_BYTES },
    accounts: { signup: e.SLIPWAY_SIGNUP, rateLimitPerHour: e.SLIPWAY_ACCOUNT_RATE_LIMIT_PER_HOUR, oidc: parseOidcSettings(env) },
    metricsRetentionMs: e.SLIPWAY_METRICS_RETENTION_HOURS * 3600_000,
    alertIntervalMs: e.SLIPWAY_ALERT_INTERVAL_SECONDS * 1000,
    addonStorageCheckMs: e.SLIPWAY_ADDON_STORAGE_CHECK_SECONDS * 1000,
    sleep: e.SLIPWAY_WAKE_PORT ? { wakePort: e.SLIPWAY_WAKE_PORT, wakeBind: e.SLIPWAY_WAKE_BIND, checkIntervalMs: e.SLIPWAY_SLEEP_CHECK_SECONDS * 1000 } : null,
    acme: e.SLIPWAY_ACME_DIRECTORY_URL
      ? { directoryUrl: e.SLIPWAY_ACME_DIRECTORY_URL, email: e.SLIPWAY_ACME_EMAIL ?? null, caFile: e.SLIPWAY_ACME_CA_FILE ?? null, intervalMs: e.SLIPWAY_ACME_INTERVAL_SECONDS * 1000, retryMs: e.SLIPWAY_ACME_RETRY_SECONDS * 1000 }
      : null,
    usage: { flushMs: e.SLIPWAY_USAGE_FLUSH_SECONDS * 1000, billingWebhook: billingWebhook(e.SLIPWAY_BILLING_WEBHOOK_URL, e.SLIPWAY_BILLING_WEBHOOK_SECRET) },
    delivery: {
      smtp: e.SLIPWAY_SMTP_URL ? { url: e.SLIPWAY_SMTP_URL, from: e.SLIPWAY_SMTP_FROM ?? `${brand.name} <no-reply@localhost>` } : null,
      maxAttempts: e.SLIPWAY_DELIVERY_MAX_ATTEMPTS,
      firstRetryMs: e.SLIPWAY_DELIVERY_FIRST_RETRY_SECONDS * 1000,
      webhookTimeoutMs: e.SLIPWAY_WEBHOOK_TIMEOUT_SECONDS * 1000,
    },
    logDrains: {
      perApp: e.SLIPWAY_LOG_DRAINS_PER_APP,
      bufferLines: e.SLIPWAY_LOG_DRAIN_BUFFER_LINES,
      caFile: e.SLIPWAY_LOG_DRAIN_CA_FILE ?? null,
      allowHttp: e.SLIPWAY_LOG_DRAIN_ALLOW_HTTP,
      allowedNetworks: e.SLIPWAY_LOG_DRAIN_ALLOWED_NETWORKS,
    },
  };
}

/** Every key the launchers write (common/env/control-plane.ts) is parsed here. */
export const READS_EVERY_WRITTEN_KEY: EveryKeyParsed<ControlPlaneEnvKey, keyof z.input<typeof schema>> = true;

function billingWebhook(url: string | undefined, secret: string | undefined): ControlPlaneConfig['usage']['billingWebhook'] {
  if (!url && !secret) return null;
  if (!url || !secret) throw new ConfigError('SLIPWAY_BILLING_WEBHOOK_URL and SLIPWAY_BILLING_WEBHOOK_SECRET go together: set both, or neither');
  return { url, secret };
}
