// apps:rename through PATCH /apps/{app} {name} on a real control plane (Redis, NATS): what the
// app keeps (id, config, releases, domains, git repository), where its routes and git URL go,
// the names it refuses, two renames racing for one name, and routes computed with the old name.
import { Redis } from 'ioredis';
import { connect, type NatsConnection, type Subscription } from 'nats';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode, route as routeSchema, sharedKeys, subjects } from '../common/protocol.js';
import type { Route } from '../common/types.js';
import { apiClient, NO_BUILDS, startTestControlPlane, type TestControlPlane } from '../test/support/control-plane.js';
import { waitFor } from '../test/support/wait.js';

describe('apps:rename', () => {
  let cp: TestControlPlane;
  let call: ReturnType<typeof apiClient>;
  let redis: Redis;
  let nats: NatsConnection;
  const storedRoute = async (name: string): Promise<Route | null> => JSON.parse((await redis.hget(sharedKeys.routes, name)) ?? 'null');
  /** The smart-HTTP advertisement of an app's repository, as git fetches it. */
  const gitRefs = (name: string) =>
    fetch(`${cp.url}/${name}.git/info/refs?service=git-upload-pack`, {
      headers: { authorization: `Basic ${Buffer.from(`anyone:${cp.adminToken}`).toString('base64')}` },
    });

  /** Route changes announced on NATS from the start of `work`, in order: until `enough` says
   *  so, or for `quietMs` after it (messages from the control plane's connection may still be
   *  on their way when `work` ends). */
  async function announcedDuring(work: () => Promise<unknown>, until: { enough: (seen: Route[]) => boolean } | { quietMs: number }): Promise<Route[]> {
    const seen: Route[] = [];
    const sub: Subscription = nats.subscribe(subjects.routeChanged, { callback: (_err, msg) => seen.push(decode(routeSchema, msg.data) as Route) });
    await nats.flush();
    await work();
    if ('enough' in until) await waitFor('the route changes', () => until.enough(seen), 5_000);
    else await sleep(until.quietMs);
    sub.unsubscribe();
    return seen;
  }

  beforeAll(async () => {
    cp = await startTestControlPlane({}, { builder: NO_BUILDS });
    call = apiClient(cp.url, cp.adminToken);
    redis = new Redis(cp.redis.url);
    nats = await connect({ servers: cp.nats.url });
  });

  afterAll(async () => {
    await nats?.close();
    redis?.disconnect();
    await cp?.stop();
  });

  it('keeps the id, config, releases, domains and repository; the default hostname, route and git URL follow the new name', async () => {
    const created = await call('POST', '/apps', { name: 'before-name' });
    expect(created.status).toBe(201);
    expect((await call('PATCH', '/apps/before-name/config-vars', { GREETING: 'hi' })).status).toBe(200);
    expect((await call('POST', '/apps/before-name/domains', { hostname: 'www.rename.test' })).status).toBe(201);
    const releases = (await call('GET', '/apps/before-name/releases')).body;
    expect(releases.length).toBeGreaterThan(0);
    expect((await gitRefs('before-name')).status).toBe(200);
    expect(await storedRoute('before-name')).toMatchObject({ hostnames: ['before-name.localhost', 'www.rename.test'] });

    let renamed: Awaited<ReturnType<typeof call>> | undefined;
    const oldRemoved = (r: Route) => r.appName === 'before-name' && r.hostnames.length === 0;
    const announced = await announcedDuring(
      async () => {
        renamed = await call('PATCH', '/apps/before-name', { name: 'after-name' });
      },
      { enough: (seen) => seen.some(oldRemoved) },
    );
    expect(renamed!.status).toBe(200);
    expect(renamed!.body).toMatchObject({ id: created.body.id, name: 'after-name', git_url: `${cp.url}/after-name.git`, web_url: 'http://after-name.localhost/' });

    // The new route reaches the routers before the old one goes, so the custom domain never drops.
    const newRoute = announced.findIndex((r) => r.appName === 'after-name');
    expect(announced[newRoute]?.hostnames).toEqual(['after-name.localhost', 'www.rename.test']);
    expect(newRoute).toBeLessThan(announced.findIndex(oldRemoved));
    expect(await storedRoute('after-name')).toMatchObject({ appId: created.body.id, hostnames: ['after-name.localhost', 'www.rename.test'] });
    expect(await storedRoute('before-name')).toBeNull();

    expect((await call('GET', '/apps/before-name')).status).toBe(404);
    expect((await call('GET', `/apps/${created.body.id}`)).body.name).toBe('after-name');
    expect((await call('GET', '/apps/after-name/config-vars')).body).toEqual({ GREETING: 'hi' });
    // The same releases, now shown under the new name.
    expect((await call('GET', '/apps/after-name/releases')).body).toEqual(
      releases.map((r: { app: object }) => ({ ...r, app: { id: created.body.id, name: 'after-name' } })),
    );
    expect((await call('GET', '/apps/after-name/domains')).body.map((d: { hostname: string }) => d.hostname)).toEqual(['after-name.localhost', 'www.rename.test']);
    expect((await gitRefs('after-name')).status).toBe(200);
    expect((await gitRefs('before-name')).status).toBe(404);

    // The old name is free: a new app takes it, with nothing of the renamed one.
    const again = await call('POST', '/apps', { name: 'before-name' });
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(created.body.id);
    expect((await call('GET', '/apps/before-name/domains')).body.map((d: { hostname: string }) => d.hostname)).toEqual(['before-name.localhost']);
  });

  it('refuses a taken, invalid or reserved name with the reason, and changes nothing', async () => {
    expect((await call('POST', '/apps', { name: 'keeps-name' })).status).toBe(201);
    expect((await call('POST', '/apps', { name: 'other-app' })).status).toBe(201);
    const taken = await call('PATCH', '/apps/keeps-name', { name: 'other-app', maintenance: true });
    expect(taken.status).toBe(409);
    expect(taken.body).toEqual({ id: 'conflict', message: 'Name other-app is already taken' });
    for (const [name, reason] of [['Bad Name', /lowercase/], ['ab', /between 3 and 30/], ['www', /reserved/]] as const) {
      const refused = await call('PATCH', '/apps/keeps-name', { name });
      expect(refused.status).toBe(422);
      expect(refused.body.id).toBe('invalid_params');
      expect(refused.body.message).toMatch(reason);
    }
    const unchanged = await call('GET', '/apps/keeps-name');
    expect(unchanged.body).toMatchObject({ name: 'keeps-name', maintenance: false });
    expect((await call('PATCH', '/apps/keeps-name', { name: 'keeps-name' })).body.name).toBe('keeps-name');
  });

  it('gives a name two renames race for to exactly one app', async () => {
    const ids = await Promise.all(['racer-one', 'racer-two'].map(async (name) => (await call('POST', '/apps', { name })).body.id as string));
    const results = await Promise.all(['racer-one', 'racer-two'].map((name) => call('PATCH', `/apps/${name}`, { name: 'contested' })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const winner = results.find((r) => r.status === 200)!.body.id;
    expect((await call('GET', '/apps/contested')).body.id).toBe(winner);
    const loser = ids.find((id) => id !== winner)!;
    expect((await call('GET', `/apps/${loser}`)).body.name).toMatch(/^racer-/);
    expect(await storedRoute('contested')).toMatchObject({ appId: winner });
  });

  it('never publishes a route under a name its app has left, nor for an app that is gone', async () => {
    const stale = (await cp.controlPlane.services.apps.getByName('after-name'))!;
    expect((await call('PATCH', '/apps/after-name', { name: 'third-name' })).status).toBe(200);
    // A pass or a handler that read the app before the rename publishes its route late.
    // (The rename's own messages may still be arriving, the old route's removal and the new
    // name's route: only the old name with hostnames would be the late one.)
    const late = await announcedDuring(() => cp.controlPlane.services.converger.publishRoute(stale), { quietMs: 300 });
    expect(late.filter((r) => r.appName === 'after-name' && r.hostnames.length > 0)).toEqual([]);
    expect(await storedRoute('after-name')).toBeNull();
    expect(await storedRoute('third-name')).toMatchObject({ appId: stale.id });

    const doomed = (await call('POST', '/apps', { name: 'doomed-app' })).body;
    const record = (await cp.controlPlane.services.apps.get(doomed.id))!;
    expect((await call('DELETE', '/apps/doomed-app')).status).toBe(200);
    await cp.controlPlane.services.converger.publishRoute(record);
    expect(await storedRoute('doomed-app')).toBeNull();
  });
});
