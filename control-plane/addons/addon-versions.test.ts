// A plan's PostgreSQL version, for real: the operator's plans file names `version: "15"` for one
// plan and `version: "17"` for another, both on the bookworm stack (the default; trixie is not
// built here: its stack choice is unit-tested in control-plane/builds/buildpacks-builder.test.ts).
// The real BuildpacksBuilder builds the server's image from Debian's postgresql-15 over the
// stack; pg:info and the server itself say 15.x. Bookworm has no postgresql-17: that plan is a 422
// naming plan, version and stack, and leaves no add-on, attachment, config var or image behind.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addonImageKey, addonImageNames } from '../../buildpacks/addons/images.js';
import { inspectLocalImage } from '../../buildpacks/stack/docker-images.js';
import { testBuilderConfig } from '../../buildpacks/testing/build-fixtures.js';
import { addonPlanPackages, addonService } from '../../common/addons.js';
import { ADDON_LABELS, INSTANCE_LABELS, STACK_LABELS } from '../../common/labels.js';
import { silentLogger } from '../../common/logger.js';
import type { RunningService } from '../../supervisor/services.js';
import { apiClient, type TestControlPlane } from '../../test/support/control-plane.js';
import { startTestRegistry } from '../../test/support/services.js';
import { startTestPlatformWithPlans, type TestAgent, type TestPlatformWithPlans } from '../../test/support/test-agent.js';
import { inProcessCli } from '../../cli/testing/cli-harness.js';
import { BuildpacksBuilder } from '../builds/buildpacks-builder.js';

const docker = new Docker();

const PLANS_FILE = `
default: free
plans:
  - name: free
addons:
  postgresql:
    - name: pg15
      memory_mb: 256
      cpus: 0.5
      max_connections: 15
      storage_mb: 64
      version: "15"
      stack: bookworm
      default: true
    - name: pg17
      memory_mb: 256
      cpus: 0.5
      max_connections: 15
      storage_mb: 64
      version: "17"
`;

describe("add-on plans' PostgreSQL versions", () => {
  let registry: RunningService;
  let cp: TestControlPlane;
  let host: TestAgent;
  let builder: BuildpacksBuilder;
  let platform: TestPlatformWithPlans;
  let alice: ReturnType<typeof apiClient>;
  let aliceToken: string;

  beforeAll(async () => {
    registry = await startTestRegistry();
    const builderConfig = testBuilderConfig(registry.url);
    builder = new BuildpacksBuilder(docker, builderConfig, silentLogger());
    platform = await startTestPlatformWithPlans(docker, registry.url, PLANS_FILE, { overrides: { builder } });
    ({ cp, host } = platform);
    const admin = apiClient(cp.url, cp.adminToken);
    aliceToken = (await admin('POST', '/users', { email: 'alice@example.com' })).body.token;
    alice = apiClient(cp.url, aliceToken);
    expect((await alice('POST', '/apps', { name: 'shop' })).status).toBe(201);
  }, 30 * 60_000);

  afterAll(async () => {
    await platform?.stop();
    await registry?.stop();
  });

  it('shows each plan’s version (and stack, when it names one)', async () => {
    const plans = (await alice('GET', '/addon-services/postgresql/plans')).body as Array<Record<string, unknown>>;
    expect(plans.find((p) => p.name === 'postgresql:pg15')).toMatchObject({ version: '15', stack: 'bookworm' });
    const pg17 = plans.find((p) => p.name === 'postgresql:pg17')!;
    expect(pg17.version).toBe('17');
    expect(pg17).not.toHaveProperty('stack');
    // and in addons:plans
    const home = await mkdtemp(join(tmpdir(), 'slipway-addon-versions-cli-'));
    try {
      const slipway = inProcessCli({ home, cwd: home });
      expect((await slipway(['login', '--api', cp.url, '--token', '-'], { stdin: `${aliceToken}\n` })).code).toBe(0);
      const listed = await slipway(['addons:plans', 'postgresql']);
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout).toMatch(/VERSION\s+STACK/);
      expect(listed.stdout).toMatch(/postgresql:pg15 \(default\)\s+256 MB\s+0.5\s+\S+\s+15\s+bookworm/);
      expect(listed.stdout).toMatch(/postgresql:pg17\s+256 MB\s+0.5\s+\S+\s+17\s+-/);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('runs PostgreSQL 15 from Debian’s postgresql-15 for a plan asking for 15', async () => {
    const created = await alice('POST', '/apps/shop/addons', { plan: 'postgresql:pg15' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    // bookworm's default is 15 too: the image itself shows the plan's packages were installed, not the metapackage
    const stack = await builder.prepare();
    const service = addonService('postgresql')!;
    const key = addonImageKey(stack, { name: 'postgresql', packages: addonPlanPackages(service, { version: '15' }) });
    const image = await inspectLocalImage(docker, addonImageNames('r', service, key).local);
    const versions = JSON.parse(image!.labels[STACK_LABELS.packageVersions]!) as Record<string, string>;
    expect(Object.keys(versions).sort()).toEqual(['postgresql-15', 'postgresql-client-15']);
    expect((await cp.controlPlane.services.addons.store.byName(created.body.name))!.image.repository).toBe('slipway/addon-postgresql');
    const info = await alice('GET', `/addons/${created.body.name}/info`);
    expect(info.status, JSON.stringify(info.body)).toBe(200);
    expect(info.body.version).toMatch(/^15\.\d+/);
    const url = new URL((await alice('GET', '/apps/shop/config-vars')).body.DATABASE_URL);
    url.hostname = '127.0.0.1';
    const client = new pg.Client({ connectionString: url.href });
    await client.connect();
    try {
      expect((await client.query('SHOW server_version_num')).rows[0].server_version_num).toMatch(/^150\d{3}$/);
    } finally {
      await client.end();
    }
  }, 20 * 60_000);

  it('refuses a plan asking for a version its stack does not offer with a 422, leaving nothing behind', async () => {
    const before = (await alice('GET', '/apps/shop/addons')).body as Array<{ name: string }>;
    const varsBefore = (await alice('GET', '/apps/shop/config-vars')).body;
    const refused = await alice('POST', '/apps/shop/addons', { plan: 'postgresql:pg17', attachment: { name: 'NEWER' } });
    expect(refused).toMatchObject({ status: 422, body: { id: 'addon_version_unavailable', message: 'postgresql:pg17 asks for PostgreSQL 17, which the bookworm stack does not offer.' } });
    expect(((await alice('GET', '/apps/shop/addons')).body as Array<{ name: string }>).map((a) => a.name)).toEqual(before.map((a) => a.name));
    expect(((await alice('GET', '/apps/shop/addon-attachments')).body as Array<{ name: string }>).map((a) => a.name)).not.toContain('NEWER');
    expect((await alice('GET', '/apps/shop/config-vars')).body).toEqual(varsBefore);
    // no record of a pg17 add-on, even a half-made one (the API lists only attached add-ons)
    expect((await cp.controlPlane.services.addons.store.all()).map((a) => a.plan)).toEqual(['postgresql:pg15']);
    // no server of it on the host: only the pg15 add-on's container
    const containers = await docker.listContainers({ all: true, filters: { label: [`${INSTANCE_LABELS.host}=${host.hostId}`, ADDON_LABELS.addon] } });
    expect(containers).toHaveLength(1);
    // no image committed for the packages apt could not find
    const stack = await builder.prepare();
    const service = addonService('postgresql')!;
    const key = addonImageKey(stack, { name: 'postgresql', packages: addonPlanPackages(service, { version: '17' }) });
    expect(await inspectLocalImage(docker, addonImageNames('r', service, key).local)).toBeNull();
  }, 20 * 60_000);
});
