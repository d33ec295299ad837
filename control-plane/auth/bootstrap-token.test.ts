// The bootstrap admin token from the environment is adopted once: revoked, it stays revoked
// when the control plane starts again with the same environment (real Redis and NATS).
import { afterAll, beforeAll, expect, test } from 'vitest';
import { silentLogger } from '../../common/logger.js';
import { apiClient, startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';
import { loadControlPlaneConfig } from '../config.js';
import { startControlPlane, type ControlPlane } from '../platform.js';

const noBuilds = { ready: true, prepare: async () => {}, build: async () => Promise.reject(new Error('no builds')), tagImage: async () => {} };
let cp: TestControlPlane;
let restarted: ControlPlane | null = null;

beforeAll(async () => {
  cp = await startTestControlPlane({}, { builder: noBuilds });
});
afterAll(async () => {
  await restarted?.stop();
  await cp?.stop();
});

async function restart(): Promise<string> {
  await (restarted ?? cp.controlPlane).stop();
  const config = loadControlPlaneConfig({
    SLIPWAY_HOME: cp.home,
    SLIPWAY_API_PORT: '0',
    SLIPWAY_REDIS_URL: cp.redis.url,
    SLIPWAY_NATS_URL: cp.nats.url,
    SLIPWAY_REGISTRY: '127.0.0.1:1',
    SLIPWAY_LOCAL_HOSTS: '0',
    SLIPWAY_CONTROL_PLANE_METRICS_PORT: '0',
    SLIPWAY_BOOTSTRAP_ADMIN_TOKEN: cp.adminToken,
  });
  restarted = await startControlPlane(config, silentLogger(), { builder: noBuilds });
  return restarted.url;
}

test('a revoked bootstrap token is not adopted again at the next start', async () => {
  const asBootstrap = apiClient(cp.url, cp.adminToken);
  const created = await asBootstrap('POST', '/account/tokens', { description: 'operator laptop' });
  expect(created.status).toBe(201);
  const bootstrap = ((await asBootstrap('GET', '/account/tokens')).body as { id: string; description: string }[]).find(
    (token) => token.description === 'bootstrap admin token',
  );
  expect(bootstrap).toBeDefined();

  // a restart before the revocation keeps it working (it is the same token)
  let url = await restart();
  expect((await apiClient(url, cp.adminToken)('GET', '/account')).status).toBe(200);

  expect((await apiClient(url, cp.adminToken)('DELETE', `/account/tokens/${bootstrap!.id}`)).status).toBe(200);
  expect((await apiClient(url, cp.adminToken)('GET', '/account')).status).toBe(401);

  url = await restart();
  expect((await apiClient(url, cp.adminToken)('GET', '/account')).status).toBe(401);
  // the operator's other token still works, and is still an operator's
  expect((await apiClient(url, created.body.token as string)('GET', '/users')).status).toBe(200);
});
