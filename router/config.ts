// The router's typed configuration, read once from the environment by main.ts.
import { brandOf, loadBrand } from '../common/brand.js';
import type { PageBrand } from './pages.js';
import type { RouterEnvKey } from '../common/env/router.js';
import type { EveryKeyParsed } from '../common/env/keys.js';
import { join } from 'node:path';
import { z } from 'zod';
import { flag, parseEnv, port, slipwayHome, url, type Env } from '../common/config.js';

export interface RouterTimeouts {
  /** Connecting to a backend. */
  connectMs: number;
  /** Waiting for the backend's response (then a 504 page); also the inactivity limit while it streams. */
  responseMs: number;
  /** Client inactivity, and how long an idle keep-alive connection stays open. */
  idleMs: number;
  /** Time a client has to send a complete request head (slow clients, slowloris). */
  requestHeadersMs: number;
  /** Inactivity limit of an upgraded (WebSocket) connection. */
  tunnelMs: number;
}

export interface RouterConfig {
  logLevel: string;
  redisUrl: string;
  natsUrl: string;
  /** Address the public HTTP and HTTPS ports bind to. */
  bind: string;
  /** 0 picks a free port at start. */
  httpPort: number;
  httpsPort: number;
  /** Operator-only port serving /metrics (HAProxy's exporter and the controller's own). */
  metricsBind: string;
  metricsPort: number;
  appsDomain: string;
  brand: string;
  /** What of the brand the router's pages show: name, colours, logo, support link. */
  pageBrand: PageBrand;
  /** Generated HAProxy config, maps, sockets, certificates. */
  stateDir: string;
  /** HAProxy threads (nbthread). */
  workers: number;
  http2: boolean;
  /** PEM (certificate chain + key) for the apps domain; generated self-signed in stateDir when null. */
  defaultCertificatePath: string | null;
  haproxyBinary: string;
  timeouts: RouterTimeouts;
  /** How long a removed backend may keep serving in-flight requests before its sessions are cut. */
  drainTimeoutMs: number;
  /** Full re-read of the route table from Redis, to heal missed NATS messages. */
  resyncIntervalMs: number;
  /** Each app's traffic is summed and sent over this window (the metrics users see). */
  trafficWindowMs: number;
  /** Backend slots declared up front; more are added (with one hitless reload) when they run out. */
  backendSlots: number;
  /** HAProxy's maxconn; 0 lets HAProxy derive it from the file descriptor limit. */
  /** HAProxy's global connection limit (0: HAProxy derives it from the file descriptor limit). */
  maxConnections: number;
  /** Concurrent connections one client address may hold (0: no limit). */
  maxConnectionsPerClient: number;
  /** How often an ejected backend is probed before it gets traffic again. */
  healthCheckIntervalMs: number;
  /** The control planes that answer ACME HTTP-01 challenges (host:port); empty: none. */
  acmeUpstreams: string[];
  /** The control planes' wakers (host:port); empty: none. */
  wakeUpstreams: string[];
  wakeTimeoutMs: number;
}

const positiveMs = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const schema = z.object({
  SLIPWAY_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  SLIPWAY_HOME: z.string().optional(),
  SLIPWAY_REDIS_URL: url.default('redis://127.0.0.1:6379'),
  SLIPWAY_NATS_URL: url.default('nats://127.0.0.1:4222'),
  SLIPWAY_ROUTER_BIND: z.string().min(1).default('127.0.0.1'),
  SLIPWAY_ROUTER_HTTP_PORT: port.default(8080),
  SLIPWAY_ROUTER_HTTPS_PORT: port.default(8443),
  SLIPWAY_ROUTER_METRICS_BIND: z.string().min(1).default('127.0.0.1'),
  SLIPWAY_ROUTER_METRICS_PORT: port.default(9180),
  SLIPWAY_APPS_DOMAIN: z
    .string()
    .regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/, 'must be a lowercase DNS name')
    .default('localhost'),
  /** the brand's name alone (SLIPWAY_BRAND_FILE, when set, names it instead) */
  SLIPWAY_BRAND: z.string().min(1).max(60).default('Slipway'),
  SLIPWAY_BRAND_FILE: z.string().optional(),
  SLIPWAY_ROUTER_STATE_DIR: z.string().min(1).optional(),
  SLIPWAY_ROUTER_WORKERS: z.coerce.number().int().min(1).max(64).default(1),
  SLIPWAY_ROUTER_HTTP2: flag.default(true),
  SLIPWAY_ROUTER_DEFAULT_CERT: z.string().min(1).optional(),
  SLIPWAY_ROUTER_HAPROXY: z.string().min(1).default('haproxy'),
  SLIPWAY_ROUTER_CONNECT_TIMEOUT_MS: positiveMs(5_000),
  SLIPWAY_ROUTER_RESPONSE_TIMEOUT_MS: positiveMs(30_000),
  SLIPWAY_ROUTER_IDLE_TIMEOUT_MS: positiveMs(60_000),
  SLIPWAY_ROUTER_HEADERS_TIMEOUT_MS: positiveMs(10_000),
  SLIPWAY_ROUTER_TUNNEL_TIMEOUT_MS: positiveMs(3_600_000),
  SLIPWAY_ROUTER_DRAIN_TIMEOUT_MS: positiveMs(60_000),
  SLIPWAY_ROUTER_RESYNC_INTERVAL_MS: positiveMs(15_000),
  SLIPWAY_ROUTER_TRAFFIC_WINDOW_MS: z.coerce.number().int().min(200).default(10_000),
  SLIPWAY_ROUTER_BACKEND_SLOTS: z.coerce.number().int().min(1).max(100_000).default(64),
  SLIPWAY_ROUTER_MAX_CONNECTIONS: z.coerce.number().int().min(0).default(4_000),
  SLIPWAY_ROUTER_MAX_CONNECTIONS_PER_CLIENT: z.coerce.number().int().min(0).default(256),
  SLIPWAY_ROUTER_HEALTH_CHECK_INTERVAL_MS: positiveMs(2_000),
  /** Where ACME HTTP-01 fetches (/.well-known/acme-challenge/ on any host) go: the control
   *  planes' API, as comma-separated host:port; unset: such requests are routed like any other. */
  /** Where a sleeping app's requests go: the control planes' waker (SLIPWAY_WAKE_PORT), as
   *  comma-separated host:port; unset: they get the no-web-instances page. */
  SLIPWAY_ROUTER_WAKE_UPSTREAMS: z
    .string()
    .regex(/^[^,\s]+:\d{1,5}(,[^,\s]+:\d{1,5})*$/, 'must be host:port[,host:port...]')
    .optional(),
  /** How long a request to a sleeping app may wait for it to start. */
  SLIPWAY_ROUTER_WAKE_TIMEOUT_MS: positiveMs(90_000),
  SLIPWAY_ROUTER_ACME_UPSTREAMS: z
    .string()
    .regex(/^[^,\s]+:\d{1,5}(,[^,\s]+:\d{1,5})*$/, 'must be host:port[,host:port...]')
    .optional(),
});

export function loadRouterConfig(env: Env): RouterConfig {
  const e = parseEnv(schema, env);
  const { name, colors, logoUrl, supportUrl } = e.SLIPWAY_BRAND_FILE ? loadBrand(e.SLIPWAY_BRAND_FILE) : brandOf({ name: e.SLIPWAY_BRAND });
  const pageBrand: PageBrand = { name, colors, logoUrl, supportUrl };
  return {
    logLevel: e.SLIPWAY_LOG_LEVEL,
    redisUrl: e.SLIPWAY_REDIS_URL,
    natsUrl: e.SLIPWAY_NATS_URL,
    bind: e.SLIPWAY_ROUTER_BIND,
    httpPort: e.SLIPWAY_ROUTER_HTTP_PORT,
    httpsPort: e.SLIPWAY_ROUTER_HTTPS_PORT,
    metricsBind: e.SLIPWAY_ROUTER_METRICS_BIND,
    metricsPort: e.SLIPWAY_ROUTER_METRICS_PORT,
    appsDomain: e.SLIPWAY_APPS_DOMAIN,
    brand: pageBrand.name,
    pageBrand,
    stateDir: e.SLIPWAY_ROUTER_STATE_DIR ?? join(slipwayHome(env), 'router'),
    workers: e.SLIPWAY_ROUTER_WORKERS,
    http2: e.SLIPWAY_ROUTER_HTTP2,
    defaultCertificatePath: e.SLIPWAY_ROUTER_DEFAULT_CERT ?? null,
    haproxyBinary: e.SLIPWAY_ROUTER_HAPROXY,
    timeouts: {
      connectMs: e.SLIPWAY_ROUTER_CONNECT_TIMEOUT_MS,
      responseMs: e.SLIPWAY_ROUTER_RESPONSE_TIMEOUT_MS,
      idleMs: e.SLIPWAY_ROUTER_IDLE_TIMEOUT_MS,
      requestHeadersMs: e.SLIPWAY_ROUTER_HEADERS_TIMEOUT_MS,
      tunnelMs: e.SLIPWAY_ROUTER_TUNNEL_TIMEOUT_MS,
    },
    drainTimeoutMs: e.SLIPWAY_ROUTER_DRAIN_TIMEOUT_MS,
    resyncIntervalMs: e.SLIPWAY_ROUTER_RESYNC_INTERVAL_MS,
    trafficWindowMs: e.SLIPWAY_ROUTER_TRAFFIC_WINDOW_MS,
    backendSlots: e.SLIPWAY_ROUTER_BACKEND_SLOTS,
    maxConnections: e.SLIPWAY_ROUTER_MAX_CONNECTIONS,
    maxConnectionsPerClient: e.SLIPWAY_ROUTER_MAX_CONNECTIONS_PER_CLIENT,
    healthCheckIntervalMs: e.SLIPWAY_ROUTER_HEALTH_CHECK_INTERVAL_MS,
    acmeUpstreams: e.SLIPWAY_ROUTER_ACME_UPSTREAMS?.split(',') ?? [],
    wakeUpstreams: e.SLIPWAY_ROUTER_WAKE_UPSTREAMS?.split(',') ?? [],
    wakeTimeoutMs: e.SLIPWAY_ROUTER_WAKE_TIMEOUT_MS,
  };
}

/** Every key the launchers write (common/env/router.ts) is parsed here. */
export const READS_EVERY_WRITTEN_KEY: EveryKeyParsed<RouterEnvKey, keyof z.input<typeof schema>> = true;
