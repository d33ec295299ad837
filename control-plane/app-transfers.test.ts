// Heroku's app transfers on a real control plane: the owner offers an app, only the recipient
// answers, acceptance hands the app over (the previous owner stays a collaborator), and offers
// can be declined or cancelled; nobody else sees them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, NO_BUILDS, startTestControlPlane, type TestControlPlane } from '../test/support/control-plane.js';

describe('app transfers', () => {
  let cp: TestControlPlane;
  const users: Record<string, ReturnType<typeof apiClient>> = {};

  beforeAll(async () => {
    cp = await startTestControlPlane({}, { builder: NO_BUILDS });
    const admin = apiClient(cp.url, cp.adminToken);
    for (const name of ['ann', 'bob', 'cat']) users[name] = apiClient(cp.url, (await admin('POST', '/users', { email: `${name}@example.com` })).body.token as string);
    expect((await users.ann!('POST', '/apps', { name: 'handed' })).status).toBe(201);
  });
  afterAll(async () => cp?.stop());

  it('hands an app over once the recipient accepts; the previous owner stays a collaborator', async () => {
    expect((await users.bob!('POST', '/account/app-transfers', { app: 'handed', recipient: 'bob@example.com' })).status).toBe(403);
    const offered = await users.ann!('POST', '/account/app-transfers', { app: 'handed', recipient: 'bob@example.com' });
    expect(offered.status).toBe(201);
    expect(offered.body).toMatchObject({ app: { name: 'handed' }, owner: { email: 'ann@example.com' }, recipient: { email: 'bob@example.com' }, state: 'pending' });
    const id = offered.body.id as string;
    expect((await users.bob!('GET', '/account/app-transfers')).body.map((t: { id: string }) => t.id)).toEqual([id]);
    expect((await users.cat!('GET', '/account/app-transfers')).body).toEqual([]);
    expect((await users.cat!('PATCH', `/account/app-transfers/${id}`, { state: 'accepted' })).status).toBe(404);
    expect((await users.ann!('PATCH', `/account/app-transfers/${id}`, { state: 'accepted' })).status).toBe(403);

    const accepted = await users.bob!('PATCH', `/account/app-transfers/${id}`, { state: 'accepted' });
    expect(accepted.status).toBe(200);
    expect(accepted.body.state).toBe('accepted');
    expect((await users.bob!('GET', '/apps/handed')).body.owner.email).toBe('bob@example.com');
    const members = (await users.ann!('GET', '/apps/handed/collaborators')).body.map((c: { user: { email: string }; role: string }) => `${c.user.email} ${c.role}`);
    expect(members).toEqual(['bob@example.com owner', 'ann@example.com collaborator']);
    expect((await users.ann!('DELETE', '/apps/handed')).status).toBe(403);
    expect((await users.bob!('PATCH', `/account/app-transfers/${id}`, { state: 'accepted' })).status).toBe(404);
  });

  it('lets the recipient decline and the owner cancel', async () => {
    const declined = await users.bob!('POST', '/account/app-transfers', { app: 'handed', recipient: 'cat@example.com' });
    expect((await users.cat!('PATCH', `/account/app-transfers/${declined.body.id as string}`, { state: 'declined' })).body.state).toBe('declined');
    expect((await users.bob!('GET', '/apps/handed')).body.owner.email).toBe('bob@example.com');

    const cancelled = await users.bob!('POST', '/account/app-transfers', { app: 'handed', recipient: 'cat@example.com' });
    const id = cancelled.body.id as string;
    expect((await users.cat!('DELETE', `/account/app-transfers/${id}`)).status).toBe(403);
    expect((await users.bob!('DELETE', `/account/app-transfers/${id}`)).body.state).toBe('cancelled');
    expect((await users.cat!('PATCH', `/account/app-transfers/${id}`, { state: 'accepted' })).status).toBe(404);
    expect((await users.cat!('GET', '/apps/handed')).status).toBe(403);
    expect((await users.bob!('POST', '/account/app-transfers', { app: 'handed', recipient: 'bob@example.com' })).status).toBe(422);
  });
});
