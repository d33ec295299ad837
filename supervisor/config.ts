// The single-node launcher's configuration, from the environment once.
import { join } from 'node:path';
import { z } from 'zod';
import { parseEnv, port, slipwayHome, type Env } from '../common/config.js';
import { DEFAULT_REDIS_MAXMEMORY_MB } from '../common/redis-memory.js';

const schema = z.object({
  SLIPWAY_API_PORT: port.default(5780),
  SLIPWAY_ROUTER_HTTP_PORT: port.default(5781),
  SLIPWAY_ROUTER_HTTPS_PORT: port.default(5782),
  SLIPWAY_ROUTER_METRICS_PORT: port.default(5783),
  SLIPWAY_REDIS_PORT: port.default(5790),
  SLIPWAY_NATS_PORT: port.default(5791),
  SLIPWAY_REGISTRY_PORT: port.default(5792),
  /** Heroku's rendezvous (TLS) for the stock `heroku run`. */
  SLIPWAY_RENDEZVOUS_PORT: port.default(5785),
  /** The API (and git) over TLS, as Heroku's git remotes want it (https://). */
  SLIPWAY_API_TLS_PORT: port.default(5786),
  /** The waker: where the router sends requests for sleeping apps (free-tier plans). */
  SLIPWAY_WAKE_PORT: port.default(5787),
  /** `local`: run a local S3-compatible store (moto) for PostgreSQL add-ons' backups; anything else is the control plane's */
  SLIPWAY_BACKUPS_S3_ENDPOINT: z.string().optional(),
  SLIPWAY_BACKUPS_S3_BUCKET: z.string().min(3).default('slipway-backups'),
  /** Slipway's own Redis refuses writes (no eviction) past this; the API then answers 507. */
  SLIPWAY_REDIS_MAXMEMORY_MB: z.coerce.number().int().positive().default(DEFAULT_REDIS_MAXMEMORY_MB),
  /** Use an existing Redis / NATS / registry instead of Slipway's own instances. */
  SLIPWAY_REDIS_URL: z.string().optional(),
  SLIPWAY_NATS_URL: z.string().optional(),
  SLIPWAY_REGISTRY: z.string().optional(),
  SLIPWAY_APPS_DOMAIN: z.string().default('localhost'),
  SLIPWAY_LOG_LEVEL: z.string().default('info'),
});

export interface SupervisorConfig {
  home: string;
  ports: { api: number; routerHttp: number; routerHttps: number; routerMetrics: number; redis: number; nats: number; registry: number; rendezvous: number; apiTls: number; wake: number };
  external: { redisUrl?: string; natsUrl?: string; registry?: string };
  redisMaxMemoryMb: number;
  appsDomain: string;
  logLevel: string;
  /** the bucket of the local backups store the launcher runs (SLIPWAY_BACKUPS_S3_ENDPOINT=local), else null */
  localBackupsBucket: string | null;
  /** `secrets`: the passwords of the services, readable by their owner only */
  dirs: { logs: string; redis: string; nats: string; registry: string; router: string; secrets: string };
}

export function loadSupervisorConfig(env: Env): SupervisorConfig {
  const e = parseEnv(schema, env);
  const home = slipwayHome(env);
  return {
    home,
    ports: {
      api: e.SLIPWAY_API_PORT,
      routerHttp: e.SLIPWAY_ROUTER_HTTP_PORT,
      routerHttps: e.SLIPWAY_ROUTER_HTTPS_PORT,
      routerMetrics: e.SLIPWAY_ROUTER_METRICS_PORT,
      redis: e.SLIPWAY_REDIS_PORT,
      nats: e.SLIPWAY_NATS_PORT,
      registry: e.SLIPWAY_REGISTRY_PORT,
      rendezvous: e.SLIPWAY_RENDEZVOUS_PORT,
      apiTls: e.SLIPWAY_API_TLS_PORT,
      wake: e.SLIPWAY_WAKE_PORT,
    },
    external: { redisUrl: e.SLIPWAY_REDIS_URL, natsUrl: e.SLIPWAY_NATS_URL, registry: e.SLIPWAY_REGISTRY },
    redisMaxMemoryMb: e.SLIPWAY_REDIS_MAXMEMORY_MB,
    appsDomain: e.SLIPWAY_APPS_DOMAIN,
    logLevel: e.SLIPWAY_LOG_LEVEL,
    localBackupsBucket: e.SLIPWAY_BACKUPS_S3_ENDPOINT === 'local' ? e.SLIPWAY_BACKUPS_S3_BUCKET : null,
    dirs: {
      logs: join(home, 'logs'),
      redis: join(home, 'redis'),
      nats: join(home, 'nats'),
      registry: join(home, 'registry'),
      router: join(home, 'router'),
      secrets: join(home, 'secrets'),
    },
  };
}
