// Plans on a real control plane (Redis, NATS, JetStream): a free-plan user meets each limit
// through the API (402 plan_limit, in the one error shape, naming the plan, the limit and the
// use), an operator moves accounts between plans, and logs reach back as far as the plan keeps.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PassThrough } from 'node:stream';
import { Redis } from 'ioredis';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subjects, type LogLine } from '../common/protocol.js';
import type { App } from '../common/types.js';
import { BuildLeases } from './store/build-leases.js';
import { apiClient, NO_BUILDS, startTestControlPlane, type TestControlPlane } from '../test/support/control-plane.js';

type Client = ReturnType<typeof apiClient>;

const PLANS = `
default: free
plans:
  - name: free
    price: "$0"
    apps: 2
    dynos_per_app: 2
    dynos_total: 3
    sizes: [basic]
    concurrent_builds: 1
    build_minutes_per_month: 1
    custom_domains: 1
    one_off_dynos: 1
    log_retention_hours: 1
    sleep_after_idle_minutes: 30
  - name: small
    memory_mb: 1024
    sizes: [basic, standard]
  - name: pro
    price: "$25/month"
    log_retention_hours: 168
`;

const FAKE_IMAGE = { repository: 'plans-test/app', digest: `sha256:${'0'.repeat(64)}` };

describe('plans and quotas', () => {
  let cp: TestControlPlane;
  let operator: Client;
  let free: Client;
  let freeId: string;
  let nats: NatsConnection;
  let redis: Redis;
  let clock: () => number = Date.now;

  const services = () => cp.controlPlane.services;
  const appNamed = async (name: string): Promise<App> => (await services().apps.getByName(name))!;
  /** A release declaring web and worker, so the formation can be scaled (no build needed). */
  const release = async (name: string) =>
    services().releaser.fromBuild(await appNamed(name), { id: `b-${name}`, image: FAKE_IMAGE, processTypes: { web: 'node server.js', worker: 'node worker.js' }, sourceVersion: 'test', stack: 'bookworm' });
  const expectPlanLimit = (response: { status: number; body: any }, message: string | RegExp) => {
    expect(response.status).toBe(402);
    expect(Object.keys(response.body).sort()).toEqual(['id', 'message']);
    expect(response.body.id).toBe('plan_limit');
    if (typeof message === 'string') expect(response.body.message).toBe(message);
    else expect(response.body.message).toMatch(message);
  };
  const newUser = async (email: string) => {
    const created = await operator('POST', '/users', { email });
    return { client: apiClient(cp.url, created.body.token as string), id: created.body.id as string };
  };

  beforeAll(async () => {
    const file = join(process.env.TMPDIR ?? '/tmp', `slipway-plans-${process.pid}.yaml`);
    await writeFile(file, PLANS);
    cp = await startTestControlPlane({ SLIPWAY_PLANS_FILE: file }, { builder: NO_BUILDS, planClock: () => clock() });
    operator = apiClient(cp.url, cp.adminToken);
    ({ client: free, id: freeId } = await newUser('free@example.com'));
    nats = await connect({ servers: cp.nats.url });
    redis = new Redis(cp.redis.url);
  });
  afterAll(async () => {
    await nats?.close();
    redis?.disconnect();
    await cp?.stop();
  });

  it('lists the plans, and shows an account its plan and use', async () => {
    const plans = (await free('GET', '/plans')).body as { name: string; default: boolean; price: string; limits: Record<string, unknown> }[];
    expect(plans.map((p) => `${p.name}${p.default ? ' (default)' : ''} ${p.price}`)).toEqual(['free (default) $0', 'small ', 'pro $25/month']);
    expect(plans[0]!.limits).toMatchObject({ apps: 2, dynos_total: 3, sizes: ['basic'], sleep_after_idle_minutes: 30, log_retention_hours: 1 });
    const quotas = (await free('GET', '/account/quotas')).body;
    expect(quotas).toMatchObject({ account: { kind: 'user', id: freeId, name: 'free@example.com' }, plan: { name: 'free' } });
    expect(quotas.used).toEqual({ apps: 0, dynos_total: 0, memory_mb: 0, concurrent_builds: 0, build_minutes_this_month: 0, custom_domains: 0, one_off_dynos: 0 });
  });

  it('refuses a third app on a plan of two', async () => {
    expect((await free('POST', '/apps', { name: 'free-one' })).status).toBe(201);
    expect((await free('POST', '/apps', { name: 'free-two' })).status).toBe(201);
    expectPlanLimit(await free('POST', '/apps', { name: 'free-three' }), 'The free plan allows 2 apps; this would make 3 (apps now: 2). Upgrade the plan or free some up.');
    expect(await services().apps.getByName('free-three')).toBeNull();
  });

  it('refuses dynos past the per-app and total limits, and sizes the plan does not offer', async () => {
    await release('free-one');
    await release('free-two');
    expectPlanLimit(await free('PATCH', '/apps/free-one/formation/web', { quantity: 3 }), /^The free plan allows 2 dynos per app; this would make 3 \(dynos per app now: [01]\)/);
    expect((await free('PATCH', '/apps/free-one/formation', { updates: [{ type: 'web', quantity: 1 }, { type: 'worker', quantity: 1 }] })).status).toBe(200);
    expect((await free('PATCH', '/apps/free-two/formation/web', { quantity: 1 })).status).toBe(200);
    expectPlanLimit(await free('PATCH', '/apps/free-two/formation/worker', { quantity: 1 }), 'The free plan allows 3 dynos in total; this would make 4 (dynos in total now: 3). Upgrade the plan or free some up.');
    expectPlanLimit(await free('PATCH', '/apps/free-one/formation/web', { size: 'standard' }), 'The free plan does not offer standard dynos (it offers basic).');
    // nothing changed by the refusals
    expect((await free('GET', '/apps/free-one/formation')).body.map((f: { type: string; quantity: number; size: string }) => `${f.type}=${f.quantity}:${f.size}`).sort()).toEqual(['web=1:basic', 'worker=1:basic']);
    expect((await free('GET', '/account/quotas')).body.used).toMatchObject({ apps: 2, dynos_total: 3, memory_mb: 1536 });
  });

  it('refuses memory past the plan’s total', async () => {
    const small = await newUser('small@example.com');
    expect((await operator('PUT', `/users/${small.id}/plan`, { plan: 'small' })).body.plan.name).toBe('small');
    expect((await small.client('POST', '/apps', { name: 'small-one' })).status).toBe(201);
    await release('small-one');
    expect((await small.client('PATCH', '/apps/small-one/formation/web', { quantity: 1, size: 'standard' })).status).toBe(200);
    expectPlanLimit(await small.client('PATCH', '/apps/small-one/formation/worker', { quantity: 1 }), 'The small plan allows 1024 MB of dyno memory in total; this would make 1536 (dyno memory in total now: 1024). Upgrade the plan or free some up.');
    // a new app's first release starts no web dyno when the plan has no room for Heroku's default one
    expect((await small.client('POST', '/apps', { name: 'small-two' })).status).toBe(201);
    await release('small-two');
    expect((await small.client('GET', '/apps/small-two/formation/web')).body).toMatchObject({ quantity: 0, size: 'basic' });
    expect((await small.client('GET', '/apps/small-one/formation/web')).body).toMatchObject({ quantity: 1 });
  });

  it('refuses a second custom domain (the one it has is not counted twice)', async () => {
    expect((await free('POST', '/apps/free-one/domains', { hostname: 'www.free.example' })).status).toBe(201);
    expect((await free('POST', '/apps/free-one/domains', { hostname: 'www.free.example' })).body.id).toBe('conflict');
    expectPlanLimit(await free('POST', '/apps/free-two/domains', { hostname: 'api.free.example' }), 'The free plan allows 1 custom domain; this would make 2 (custom domains now: 1). Upgrade the plan or free some up.');
  });

  it('refuses a one-off dyno past the plan’s, or of a size it does not offer', async () => {
    expectPlanLimit(await free('POST', '/apps/free-one/dynos', { command: 'bash', size: 'performance' }), 'The free plan does not offer performance dynos (it offers basic).');
    const app = await appNamed('free-two');
    // a one-off running on a host (as detached runs record it)
    await services().oneOffs.save({ runId: 'run-plans', appId: app.id, number: 1, command: 'sleep 60', size: 'basic', releaseVersion: 1, hostId: 'h-1', expiresAtMs: Date.now() + 60_000 });
    expectPlanLimit(await free('POST', '/apps/free-one/dynos', { command: 'bash' }), 'The free plan allows 1 one-off dyno at a time; this would make 2 (one-off dynos at a time now: 1). Upgrade the plan or free some up.');
    await services().oneOffs.remove({ appId: app.id, runId: 'run-plans', hostId: 'h-1' });
  });

  it('refuses a push while another build of the account runs, and once the month’s build minutes are spent', async () => {
    const deploy = async (name: string) => {
      const lines: string[] = [];
      const source = new PassThrough();
      source.end();
      const result = await services().pipeline.deploy(await appNamed(name), 'abc123', 'free@example.com', source, (line) => void lines.push(line));
      return { ...result, lines };
    };
    // another build of the account holds a lease (queued or running)
    const other = await appNamed('free-two');
    const leases = new BuildLeases(redis);
    await leases.join('b-running', { appId: other.id, owner: 'elsewhere', lockToken: 't' });
    const refused = await deploy('free-one');
    expect(refused.ok).toBe(false);
    expect(refused.lines).toEqual([
      ' !     The free plan allows 1 build at a time; this would make 2 (concurrent builds now: 1). Upgrade the plan or free some up.',
      ' !     Push rejected by the plan.',
    ]);
    const builds = (await free('GET', '/apps/free-one/builds')).body as { status: string }[];
    expect(builds.at(-1)).toMatchObject({ status: 'failed' });
    await leases.release('b-running', other.id, 't');

    // the build itself runs (and fails here: this control plane builds nothing); its time counts
    const ran = await deploy('free-one');
    expect(ran.lines.join('\n')).not.toMatch(/plan/);
    await services().plans.recordBuild(await appNamed('free-one'), 60);
    const spent = await deploy('free-one');
    expect(spent.lines[0]).toBe(' !     The free plan allows 1 build minute a month; 1 are used this month. Builds start again next month, or upgrade the plan.');
    expect((await free('GET', '/account/quotas')).body.used.build_minutes_this_month).toBe(1);
  });

  it('serves logs only as far back as the plan keeps them', async () => {
    const app = await appNamed('free-one');
    const js = nats.jetstream();
    const line = (text: string): LogLine => ({ appName: app.name, appId: app.id, source: 'app', process: 'web.1', line: text, at: new Date().toISOString() });
    await js.publish(subjects.logs(app.id), JSON.stringify(line('stored first')));
    const between = Date.now() + 500;
    await sleep(1000);
    await js.publish(subjects.logs(app.id), JSON.stringify(line('stored second')));
    // an hour after `between`: the free plan keeps one hour, so the first line is past it
    clock = () => between + 3600_000;
    const read = async () => {
      const session = await free('POST', '/apps/free-one/log-sessions', { lines: 1000, source: 'app' });
      return (await fetch(session.body.logplex_url as string)).text();
    };
    const onFree = await read();
    expect(onFree).toContain('stored second');
    expect(onFree).not.toContain('stored first');
    await operator('PUT', `/users/${freeId}/plan`, { plan: 'pro' });
    expect(await read()).toContain('stored first');
    await operator('PUT', `/users/${freeId}/plan`, { plan: 'free' });
    clock = Date.now;
  });

  it('lets only operators move accounts between plans, to plans that exist', async () => {
    expect((await free('PUT', `/users/${freeId}/plan`, { plan: 'pro' })).status).toBe(403);
    const unknown = await operator('PUT', `/users/${freeId}/plan`, { plan: 'gold' });
    expect(unknown.status).toBe(422);
    expect(unknown.body.message).toBe('No plan is called gold: the plans are free, small, pro.');
    const moved = await operator('PUT', '/users/free@example.com/plan', { plan: 'pro' });
    expect(moved.body).toMatchObject({ plan: { name: 'pro' }, used: { apps: 2 } });
    expect((await free('POST', '/apps', { name: 'free-three' })).status).toBe(201);
    expect((await operator('GET', `/users/${freeId}/quotas`)).body.plan.name).toBe('pro');
    const stranger = await newUser('stranger@example.com');
    expect((await stranger.client('GET', `/users/${freeId}/quotas`)).status).toBe(403);
  });

  it('gives teams a plan of their own', async () => {
    expect((await free('POST', '/teams', { name: 'free-team' })).status).toBe(201);
    expect((await free('GET', '/teams/free-team/quotas')).body).toMatchObject({ account: { kind: 'team', name: 'free-team' }, plan: { name: 'free' } });
    expect((await free('POST', '/teams/apps', { name: 'team-one', team: 'free-team' })).status).toBe(201);
    expect((await free('POST', '/teams/apps', { name: 'team-two', team: 'free-team' })).status).toBe(201);
    expectPlanLimit(await free('POST', '/teams/apps', { name: 'team-three', team: 'free-team' }), /^The free plan allows 2 apps/);
    expect((await free('PUT', '/teams/free-team/plan', { plan: 'pro' })).status).toBe(403);
    expect((await operator('PUT', '/teams/free-team/plan', { plan: 'pro' })).body.plan.name).toBe('pro');
    expect((await free('POST', '/teams/apps', { name: 'team-three', team: 'free-team' })).status).toBe(201);
    const stranger = await newUser('outsider@example.com');
    expect((await stranger.client('GET', '/teams/free-team/quotas')).status).toBe(404);
  });

  it('forgets a deleted user’s plan', async () => {
    const gone = await newUser('gone@example.com');
    await operator('PUT', `/users/${gone.id}/plan`, { plan: 'pro' });
    expect(await cp.controlPlane.services.plans.planOf({ kind: 'user', id: gone.id })).toMatchObject({ name: 'pro' });
    expect((await operator('DELETE', `/users/${gone.id}`)).status).toBe(200);
    expect((await cp.controlPlane.services.plans.planOf({ kind: 'user', id: gone.id })).name).toBe('free');
  });
});
