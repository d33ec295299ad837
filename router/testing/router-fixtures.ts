// Shared by the router's integration tests: Redis and NATS as the route sources, a router on
// free ports with its own state dir, tiny HTTP backends on 127.0.0.1, and the control plane's
// side of publishing a route.
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { connect, type NatsConnection } from 'nats';
import { silentLogger, type Logger } from '../../common/logger.js';
import { encode, sharedKeys, subjects } from '../../common/protocol.js';
import type { Route } from '../../common/types.js';
import { startTestNats, startTestRedis } from '../../test/support/services.js';
import { loadRouterConfig, type RouterConfig } from '../config.js';
import { HaproxyStartError } from '../errors.js';
import { startRouter, type RunningRouter } from '../router.js';

/** A real Redis and NATS for a router to read routes from, with a client of each to publish them. */
export interface RouteSources {
  redis: Redis;
  nc: NatsConnection;
  urls: { redisUrl: string; natsUrl: string };
  /** What the control plane does when a route changes: the snapshot in Redis, then the NATS message. */
  publish(route: Route): Promise<void>;
  stop(): Promise<void>;
}

export async function startRouteSources(): Promise<RouteSources> {
  const [redisService, natsService] = await Promise.all([startTestRedis(), startTestNats()]);
  const redis = new Redis(redisService.url);
  const nc = await connect({ servers: natsService.url });
  return {
    redis,
    nc,
    urls: { redisUrl: redisService.url, natsUrl: natsService.url },
    publish: async (route) => {
      if (route.hostnames.length === 0) await redis.hdel(sharedKeys.routes, route.appName);
      else await redis.hset(sharedKeys.routes, route.appName, JSON.stringify(route));
      nc.publish(subjects.routeChanged, encode(route));
      await nc.flush();
    },
    stop: async () => {
      await nc.close();
      redis.disconnect();
      await Promise.all([redisService.stop(), natsService.stop()]);
    },
  };
}

export interface TestRouter extends RunningRouter {
  config: RouterConfig;
}

export async function startTestRouter(
  services: { redisUrl: string; natsUrl: string },
  env: Record<string, string> = {},
  logger: Logger = silentLogger(),
): Promise<TestRouter> {
  const stateDir = await mkdtemp(join(tmpdir(), 'slipway-router-test-'));
  const config = loadRouterConfig({
    SLIPWAY_REDIS_URL: services.redisUrl,
    SLIPWAY_NATS_URL: services.natsUrl,
    SLIPWAY_ROUTER_HTTP_PORT: '0',
    SLIPWAY_ROUTER_HTTPS_PORT: '0',
    SLIPWAY_ROUTER_METRICS_PORT: '0',
    SLIPWAY_ROUTER_STATE_DIR: stateDir,
    SLIPWAY_ROUTER_DRAIN_TIMEOUT_MS: '20000',
    SLIPWAY_ROUTER_HEALTH_CHECK_INTERVAL_MS: '500',
    ...env,
  });
  const router = await startWithFreshPorts(() => startRouter(config, logger));
  return {
    ...router,
    config,
    stop: async () => {
      await router.stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** Ports '0' are chosen free before HAProxy binds them, and a test running beside this one can
 *  take one in between: try a few times (as test/support/services.ts does for its services). */
async function startWithFreshPorts<T>(start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (attempt >= 3 || !(err instanceof HaproxyStartError) || !/Address already in use/.test(err.message)) throw err;
    }
  }
}

export type Handler = (req: IncomingMessage, res: ServerResponse, backend: TestBackend) => void;

export interface TestBackend {
  name: string;
  port: number;
  server: Server;
  /** Requests received so far. */
  hits: number;
  /** TCP connections accepted so far (the router's health checks included). */
  connections: number;
  /** Graceful stop: no new connections, in-flight requests finish, idle keep-alive closed. */
  close(): Promise<void>;
}

/** Answers JSON describing the request (which backend, method, url, headers) unless `handler` says otherwise. */
export async function startBackend(name: string, handler?: Handler): Promise<TestBackend> {
  const server = createServer();
  const backend: TestBackend = {
    name,
    port: 0,
    server,
    hits: 0,
    connections: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
  server.on('connection', () => backend.connections++);
  server.on('request', (req, res) => {
    backend.hits++;
    if (handler) return handler(req, res, backend);
    echo(req, res, backend);
  });
  // Longer than HAProxy's idle pool keeps a connection, as a real app server would.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  backend.port = typeof address === 'object' && address ? address.port : 0;
  return backend;
}

export function echo(req: IncomingMessage, res: ServerResponse, backend: TestBackend): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        backend: backend.name,
        method: req.method,
        url: req.url,
        headers: req.headers,
        bodySha256: createHash('sha256').update(body).digest('hex'),
        bodyLength: body.length,
      }),
    );
  });
}

export function backendOf(instanceId: string, backend: TestBackend) {
  return { instanceId, address: '127.0.0.1', port: backend.port };
}

export interface SimpleResponse {
  status: number;
  headers: import('node:http').IncomingHttpHeaders;
  body: string;
}

/** One request to the router on 127.0.0.1 with the given Host (a new connection each time). */
export function httpRequest(
  port: number,
  host: string,
  path = '/',
  options: { method?: string; headers?: Record<string, string | string[]>; body?: string | Buffer } = {},
): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    import('node:http').then(({ request }) => {
      const req = request(
        { host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: { host, ...options.headers }, agent: false },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(options.body);
    }, reject);
  });
}

/** Sends raw bytes to 127.0.0.1:port and collects the answer until the router closes the connection (or `waitMs`). */
export function rawExchange(port: number, bytes: string | Buffer, waitMs = 3_000): Promise<{ answer: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    import('node:net').then(({ connect }) => {
      const socket = connect({ host: '127.0.0.1', port });
      const chunks: Buffer[] = [];
      const timer = setTimeout(() => {
        socket.destroy();
        resolve({ answer: Buffer.concat(chunks).toString('latin1'), closed: false });
      }, waitMs);
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('error', () => {});
      socket.on('close', () => {
        clearTimeout(timer);
        resolve({ answer: Buffer.concat(chunks).toString('latin1'), closed: true });
      });
      socket.on('connect', () => socket.write(bytes));
    }, reject);
  });
}
