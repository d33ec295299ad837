// The audit log through the API: every change recorded with who, what, which app, the outcome
// and the address, refused attempts included; each reader sees only what is theirs to see.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';

describe('audit log', () => {
  let cp: TestControlPlane;
  let admin: ReturnType<typeof apiClient>;
  let alice: ReturnType<typeof apiClient>;
  let mallory: ReturnType<typeof apiClient>;
  let aliceId: string;

  beforeAll(async () => {
    cp = await startTestControlPlane();
    admin = apiClient(cp.url, cp.adminToken);
    const a = await admin('POST', '/users', { email: 'alice@example.com' });
    const m = await admin('POST', '/users', { email: 'mallory@example.com' });
    aliceId = a.body.id;
    alice = apiClient(cp.url, a.body.token);
    mallory = apiClient(cp.url, m.body.token);
    expect((await alice('POST', '/apps', { name: 'audited' })).status).toBe(201);
    expect((await alice('PATCH', '/apps/audited/config-vars', { SECRET_KEY: 'hunter2-value' })).status).toBe(200);
    expect((await alice('GET', '/apps/audited')).status).toBe(200); // a read: not recorded
    expect((await mallory('PATCH', '/apps/audited/config-vars', { SECRET_KEY: 'x' })).status).toBe(403);
    expect((await apiClient(cp.url, 'slw_0000000000000000_wrongwrongwrongwrongwrongwrongwrongwrong00')('DELETE', '/apps/audited')).status).toBe(401);
  });
  afterAll(async () => {
    await cp?.stop();
  });

  it('the account owner reads their own actions, newest first, without any value they sent', async () => {
    const own = await alice('GET', '/account/audit-events');
    expect(own.status).toBe(200);
    expect(own.body.map((e: { action: string; status: number }) => `${e.action} ${e.status}`)).toEqual(['PATCH /apps/{app}/config-vars 200', 'POST /apps 201']);
    expect(own.body[0]).toMatchObject({ actor: { id: aliceId, email: 'alice@example.com' }, app: { name: 'audited' }, ip: expect.stringMatching(/127\.0\.0\.1/), request_id: expect.any(String) });
    expect(JSON.stringify(own.body)).not.toContain('hunter2');
  });

  it("the app's log has what was done to it, the stranger's refused attempt included; strangers cannot read it", async () => {
    const log = await alice('GET', '/apps/audited/audit-events');
    expect(log.status).toBe(200);
    expect(log.body.map((e: { action: string; actor: { email: string }; status: number }) => `${e.actor.email} ${e.action} ${e.status}`)).toEqual([
      'mallory@example.com PATCH /apps/{app}/config-vars 403',
      'alice@example.com PATCH /apps/{app}/config-vars 200',
      'alice@example.com POST /apps 201',
    ]);
    expect((await mallory('GET', '/apps/audited/audit-events')).status).toBe(403);
  });

  it('operators read any user and the whole platform, where refused and anonymous attempts show', async () => {
    const ofMallory = await admin('GET', `/users/mallory@example.com/audit-events`);
    expect(ofMallory.body.map((e: { action: string; status: number }) => `${e.action} ${e.status}`)).toEqual(['PATCH /apps/{app}/config-vars 403']);
    const all = await admin('GET', '/audit-events?limit=3');
    expect(all.body).toHaveLength(3);
    expect(all.body[0]).toMatchObject({ actor: null, action: 'DELETE /apps/audited', status: 401 });
    expect((await alice('GET', '/audit-events')).status).toBe(403);
    expect((await alice('GET', `/users/${aliceId}/audit-events`)).status).toBe(403);
    expect((await admin('GET', '/audit-events?limit=0')).status).toBe(422);
  });
});
