// Suspending an account stops its personal apps and keeps everything: through the real API,
// Redis, NATS, an agent and Docker Engine. Enabling it starts them again as they were.
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App, ImageRef } from '../../common/types.js';
import { INSTANCE_LABELS } from '../../common/labels.js';
import { apiClient, startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';
import { startTestRegistry } from '../../test/support/services.js';
import { buildTestAppImage, removeTestAppImageReferences } from '../../test/support/test-image.js';
import { startTestAgent, type TestAgent } from '../../test/support/test-agent.js';
import { waitFor } from '../../test/support/wait.js';
import type { RunningService } from '../../supervisor/services.js';
import type { Builder } from '../builds/builder.js';
import { runnableFormation } from '../scheduler/reconciler.js';

const docker = new Docker();
const COMMAND = '/usr/bin/node /app/server.js';

it('runnableFormation keeps the quantities of a suspended owner but runs none', () => {
  const formation = [{ type: 'web', quantity: 2, size: 'basic' as const }];
  expect(runnableFormation(formation, false)).toBe(formation);
  expect(runnableFormation(formation, true)).toEqual([{ type: 'web', quantity: 0, size: 'basic' }]);
});

describe('a suspended account', () => {
  let registry: RunningService;
  let image: ImageRef;
  let cp: TestControlPlane;
  let host: TestAgent;
  let hostId: string;
  let app: App;
  let admin: ReturnType<typeof apiClient>;
  let alice: ReturnType<typeof apiClient>;

  const containersOf = async (appId: string) =>
    (await docker.listContainers({ filters: { label: [`${INSTANCE_LABELS.host}=${hostId}`, `${INSTANCE_LABELS.appId}=${appId}`] } })).length;
  const upOf = async (appId: string) => (await cp.controlPlane.services.instances.listForApp(appId)).filter((i) => i.state === 'up').length;

  beforeAll(async () => {
    registry = await startTestRegistry();
    image = await buildTestAppImage(docker, registry.url);
    const builder: Builder = {
      ready: true,
      prepare: async () => {},
      build: async () => ({ image, processTypes: { web: COMMAND }, buildpack: 'test', stack: 'bookworm' }),
      tagImage: async () => {},
    };
    cp = await startTestControlPlane({ SLIPWAY_REGISTRY: registry.url, SLIPWAY_STOP_GRACE_SECONDS: '1', SLIPWAY_DRAIN_MS: '0' }, { builder });
    host = await startTestAgent(docker, cp, registry.url, { SLIPWAY_AGENT_STOP_INSTANCES_ON_EXIT: 'true' });
    hostId = host.hostId;

    admin = apiClient(cp.url, cp.adminToken);
    const created = await admin('POST', '/users', { email: 'suspended@example.com' });
    alice = apiClient(cp.url, created.body.token);
    expect((await alice('POST', '/apps', { name: 'suspend-me' })).status).toBe(201);
    app = (await cp.controlPlane.services.apps.getByName('suspend-me'))!;
    await cp.controlPlane.services.releaser.fromBuild(app, { id: 'b-1', image, processTypes: { web: COMMAND }, sourceVersion: 'test', stack: 'bookworm' });
    expect((await alice('PATCH', '/apps/suspend-me/formation', { updates: [{ type: 'web', quantity: 2 }] })).status).toBe(200);
    await waitFor('two instances up', async () => (await upOf(app.id)) === 2 && (await containersOf(app.id)) === 2, 90_000);
  }, 240_000);

  afterAll(async () => {
    await host?.stop();
    await cp?.stop();
    await registry?.stop();
    await removeTestAppImageReferences(docker, registry.url).catch(() => {});
  });

  it('stops its apps, refuses its tokens, and keeps the formation; enabled, the apps come back', async () => {
    const suspended = await admin('PATCH', '/users/suspended@example.com', { disabled: true });
    expect(suspended.status).toBe(200);
    expect(suspended.body.disabled_at).toEqual(expect.any(String));
    expect((await alice('GET', '/apps/suspend-me')).status).toBe(403);
    await waitFor('no container of the app left', async () => (await containersOf(app.id)) === 0, 60_000);
    // Nothing is lost: an operator still sees the formation as it was.
    const formation = await admin('GET', '/apps/suspend-me/formation');
    expect(formation.body.map((f: { type: string; quantity: number }) => `${f.type}=${f.quantity}`)).toEqual(['web=2']);

    expect((await admin('PATCH', '/users/suspended@example.com', { disabled: false })).status).toBe(200);
    await waitFor('both instances up again', async () => (await upOf(app.id)) === 2 && (await containersOf(app.id)) === 2, 90_000);
    expect((await alice('GET', '/apps/suspend-me')).status).toBe(200);
  }, 180_000);
});
