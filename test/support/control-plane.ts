// An in-process control plane on real Redis and NATS (free ports, own data dirs), for API
// tests. The builder may be replaced (builds are tested for real elsewhere).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueToken } from '../../common/api-token.js';
import { loadControlPlaneConfig } from '../../control-plane/config.js';
import { startControlPlane, type ControlPlane, type ControlPlaneOverrides } from '../../control-plane/platform.js';
import { silentLogger } from '../../common/logger.js';
import type { RunningService } from '../../supervisor/services.js';
import { startTestNats, startTestRedis } from './services.js';
import type { Builder } from '../../control-plane/builds/builder.js';

/** A builder for control planes whose tests build nothing: a build fails saying so. */
export const NO_BUILDS: Builder = {
  ready: true,
  prepare: async () => {},
  build: async () => {
    throw new Error('no builds in this test');
  },
  tagImage: async () => {},
};

export interface TestControlPlane {
  controlPlane: ControlPlane;
  url: string;
  adminToken: string;
  redis: RunningService;
  nats: RunningService;
  home: string;
  stop(): Promise<void>;
}

export async function startTestControlPlane(
  env: Record<string, string> = {},
  overrides: ControlPlaneOverrides = {},
): Promise<TestControlPlane> {
  const [redis, nats] = await Promise.all([startTestRedis(), startTestNats()]);
  const home = await mkdtemp(join(tmpdir(), 'slipway-test-cp-'));
  const adminToken = issueToken().token;
  const config = loadControlPlaneConfig({
    SLIPWAY_HOME: home,
    SLIPWAY_API_PORT: '0',
    SLIPWAY_REDIS_URL: redis.url,
    SLIPWAY_NATS_URL: nats.url,
    SLIPWAY_REGISTRY: '127.0.0.1:1',
    SLIPWAY_LOCAL_HOSTS: '0',
    SLIPWAY_CONTROL_PLANE_METRICS_PORT: '0',
    SLIPWAY_BOOTSTRAP_ADMIN_TOKEN: adminToken,
    ...env,
  });
  const controlPlane = await startControlPlane(config, silentLogger(), overrides);
  return {
    controlPlane,
    url: controlPlane.url,
    adminToken,
    redis,
    nats,
    home,
    async stop() {
      await controlPlane.stop();
      await Promise.all([redis.stop(), nats.stop()]);
      // The stack's preparation, started with the control plane and not awaited by its stop,
      // may still be saving layers under home: rm retries while that directory changes.
      await rm(home, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
}

/** A small Platform API client for tests: JSON in, status + JSON out. */
export function apiClient(url: string, token: string | null) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        accept: 'application/vnd.heroku+json; version=3',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let json: any = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    return { status: response.status, body: json, headers: response.headers };
  };
}
