// Dyno metrics end to end on real parts: an agent samples a real container through Docker and
// publishes over NATS; the control plane keeps the samples in Redis and serves them through
// the API and `slipway metrics`; a sample an agent sends for another host's dyno is dropped.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { connect } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessCli } from '../../cli/testing/cli-harness.js';
import { encode, subjects } from '../../common/protocol.js';
import type { App, ImageRef } from '../../common/types.js';
import type { RunningService } from '../../supervisor/services.js';
import { apiClient, startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';
import { startTestRegistry } from '../../test/support/services.js';
import { buildTestAppImage, removeTestAppImageReferences } from '../../test/support/test-image.js';
import { startTestAgent, type TestAgent } from '../../test/support/test-agent.js';
import { waitFor } from '../../test/support/wait.js';
import type { Builder } from '../builds/builder.js';

const docker = new Docker();
const COMMAND = '/usr/bin/node /app/server.js';

describe('dyno metrics', () => {
  let registry: RunningService;
  let image: ImageRef;
  let cp: TestControlPlane;
  let host: TestAgent;
  let app: App;
  let home: string;
  let token: string;

  beforeAll(async () => {
    registry = await startTestRegistry();
    image = await buildTestAppImage(docker, registry.url);
    const builder: Builder = { ready: true, prepare: async () => {}, build: async () => ({ image, processTypes: { web: COMMAND }, buildpack: 'test', stack: 'bookworm' }), tagImage: async () => {} };
    cp = await startTestControlPlane({ SLIPWAY_REGISTRY: registry.url, SLIPWAY_STOP_GRACE_SECONDS: '1', SLIPWAY_DRAIN_MS: '0' }, { builder });
    host = await startTestAgent(docker, cp, registry.url, { SLIPWAY_METRICS_INTERVAL_MS: '1000', SLIPWAY_AGENT_STOP_INSTANCES_ON_EXIT: 'true' });
    const admin = apiClient(cp.url, cp.adminToken);
    token = (await admin('POST', '/users', { email: 'metrics@example.com' })).body.token;
    const ann = apiClient(cp.url, token);
    expect((await ann('POST', '/apps', { name: 'charted' })).status).toBe(201);
    app = (await cp.controlPlane.services.apps.getByName('charted'))!;
    await cp.controlPlane.services.releaser.fromBuild(app, { id: 'b-1', image, processTypes: { web: COMMAND }, sourceVersion: 'test', stack: 'bookworm' });
    await waitFor('web.1 up', async () => (await cp.controlPlane.services.instances.listForApp(app.id)).some((i) => i.state === 'up'), 90_000);
    home = await mkdtemp(join(tmpdir(), 'slipway-metrics-cli-'));
  }, 240_000);

  afterAll(async () => {
    await host?.stop();
    await cp?.stop();
    await removeTestAppImageReferences(docker, registry.url).catch(() => {});
    await registry?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('samples the running dyno’s memory against its limit, and CPU, through the API', async () => {
    const ann = apiClient(cp.url, token);
    let body: any;
    await waitFor('two samples of web.1', async () => {
      body = (await ann('GET', '/apps/charted/metrics?minutes=5')).body;
      return body.dynos?.[0]?.samples.length >= 2;
    }, 30_000);
    const [dyno] = body.dynos;
    expect(dyno).toMatchObject({ dyno: 'web.1', restarts: 0 });
    const last = dyno.samples.at(-1);
    expect(last.memory_limit_mb).toBe(512); // a basic dyno's limit, as Docker enforces it
    expect(last.memory_rss_mb).toBeGreaterThan(1); // a Node server holds some memory
    expect(last.memory_rss_mb).toBeLessThan(512);
    expect(last.cpu_percent).toBeGreaterThanOrEqual(0);
    expect((await apiClient(cp.url, cp.adminToken)('GET', '/apps/charted/metrics?minutes=0')).status).toBe(422);
  });

  it('charts them in the CLI', async () => {
    const slipway = inProcessCli({ home, cwd: home, env: { SLIPWAY_API_URL: cp.url, SLIPWAY_API_TOKEN: token } });
    const out = await slipway(['metrics', '-a', 'charted']);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^=== web\.1: memory [\d.]+ MB of 512 MB \(\d+%\), CPU [\d.]+%, restarts 0 \(\d+ samples\)$/m);
    expect(out.stdout).toContain('memory (MB)');
  });

  it('drops a sample sent for a dyno of another host', async () => {
    const [instance] = await cp.controlPlane.services.instances.listForApp(app.id);
    const platform = await connect({ servers: cp.nats.url });
    const forged = { hostId: 'h-other', at: new Date().toISOString(), dynos: [{ instanceId: instance!.id, appId: app.id, dyno: 'web.1', memoryRssBytes: 999 * 2 ** 20, memoryLimitBytes: 2 ** 30, cpuPercent: 99 }] };
    platform.publish(subjects.dynoMetrics('h-other'), encode(forged));
    await platform.flush();
    await platform.close();
    expect(await cp.controlPlane.services.dynoMetrics.add('h-other', forged)).toBe(0);
    const samples = await cp.controlPlane.services.dynoMetrics.since(app.id, 0);
    expect(samples.some((s) => s.memoryRssBytes === 999 * 2 ** 20)).toBe(false);
  });
});
