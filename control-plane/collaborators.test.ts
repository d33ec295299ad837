// Heroku's collaborators on a real control plane (Redis, NATS): the owner shares an app, the
// collaborator works on it but cannot manage access or delete it, may leave, and loses the app
// once removed; users outside it see nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, NO_BUILDS, startTestControlPlane, type TestControlPlane } from '../test/support/control-plane.js';

describe('collaborators', () => {
  let cp: TestControlPlane;
  let admin: ReturnType<typeof apiClient>;
  const users: Record<string, ReturnType<typeof apiClient>> = {};

  beforeAll(async () => {
    cp = await startTestControlPlane({}, { builder: NO_BUILDS });
    admin = apiClient(cp.url, cp.adminToken);
    for (const name of ['ann', 'bob', 'cat']) {
      const created = await admin('POST', '/users', { email: `${name}@example.com` });
      users[name] = apiClient(cp.url, created.body.token as string);
    }
    expect((await users.ann!('POST', '/apps', { name: 'shared-app' })).status).toBe(201);
  });
  afterAll(async () => cp?.stop());

  it('lets the owner add a collaborator by email, listed after the owner', async () => {
    expect((await users.bob!('GET', '/apps/shared-app')).status).toBe(403);
    const added = await users.ann!('POST', '/apps/shared-app/collaborators', { user: 'bob@example.com' });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ app: { name: 'shared-app' }, user: { email: 'bob@example.com' }, role: 'collaborator' });
    const list = await users.bob!('GET', '/apps/shared-app/collaborators');
    expect(list.body.map((c: { user: { email: string }; role: string }) => `${c.user.email} ${c.role}`)).toEqual(['ann@example.com owner', 'bob@example.com collaborator']);
    expect((await users.ann!('POST', '/apps/shared-app/collaborators', { user: 'bob@example.com' })).status).toBe(422);
    expect((await users.ann!('POST', '/apps/shared-app/collaborators', { user: 'nobody@example.com' })).status).toBe(404);
    expect((await users.ann!('POST', '/apps/shared-app/collaborators', { user: 'ann@example.com' })).body.message).toBe('ann@example.com owns shared-app.');
  });

  it('lets a collaborator change the app, not manage access nor delete it', async () => {
    expect((await users.bob!('PATCH', '/apps/shared-app/config-vars', { FROM_BOB: '1' })).status).toBe(200);
    expect((await users.bob!('GET', '/apps')).body.map((a: { name: string }) => a.name)).toContain('shared-app');
    const adding = await users.bob!('POST', '/apps/shared-app/collaborators', { user: 'cat@example.com' });
    expect(adding.status).toBe(403);
    expect(adding.body.message).toBe('Only the owner of shared-app (or an admin of its team) can rename, delete, transfer or share it.');
    expect((await users.bob!('DELETE', '/apps/shared-app')).status).toBe(403);
    expect((await users.bob!('DELETE', '/apps/shared-app/collaborators/ann@example.com')).status).toBe(422);
    expect((await users.cat!('GET', '/apps/shared-app/collaborators')).status).toBe(403);
  });

  it('lets a collaborator leave, and the removed lose the app', async () => {
    expect((await users.ann!('POST', '/apps/shared-app/collaborators', { user: 'cat@example.com' })).status).toBe(201);
    expect((await users.bob!('DELETE', '/apps/shared-app/collaborators/cat@example.com')).status).toBe(403);
    const left = await users.bob!('DELETE', '/apps/shared-app/collaborators/bob@example.com');
    expect(left.status).toBe(200);
    expect((await users.bob!('GET', '/apps/shared-app')).status).toBe(403);
    expect((await users.ann!('DELETE', '/apps/shared-app/collaborators/cat@example.com')).status).toBe(200);
    expect((await users.cat!('GET', '/apps/shared-app/config-vars')).status).toBe(403);
    expect((await users.ann!('GET', '/apps/shared-app/collaborators/bob@example.com')).status).toBe(404);
    expect((await users.ann!('DELETE', '/apps/shared-app')).status).toBe(200);
  });
});
