// Operators delete accounts through the API: refused (changing nothing) while the account owns
// apps or alone administers a busy team; done, everything of it goes and its email is free.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';
import { removalRefusal } from './removal.js';

it('removalRefusal names the apps, or the teams, in the way', () => {
  expect(removalRefusal({ email: 'a@b.co' }, [{ name: 'x' }, { name: 'y' }], false, [])).toMatch(/owns 2 apps \(x, y\): transfer or destroy them first/);
  expect(removalRefusal({ email: 'a@b.co' }, [{ name: 'x' }], true, [])).toBeNull();
  expect(removalRefusal({ email: 'a@b.co' }, [], false, ['acme'])).toMatch(/only admin of acme/);
  expect(removalRefusal({ email: 'a@b.co' }, [], false, [])).toBeNull();
});

describe('deleting an account', () => {
  let cp: TestControlPlane;
  let admin: ReturnType<typeof apiClient>;
  let carol: ReturnType<typeof apiClient>;
  let dave: ReturnType<typeof apiClient>;
  let carolToken: string;

  beforeAll(async () => {
    cp = await startTestControlPlane();
    admin = apiClient(cp.url, cp.adminToken);
    carolToken = (await admin('POST', '/users', { email: 'carol@example.com' })).body.token;
    carol = apiClient(cp.url, carolToken);
    dave = apiClient(cp.url, (await admin('POST', '/users', { email: 'dave@example.com' })).body.token);
    expect((await carol('POST', '/apps', { name: 'carols-app' })).status).toBe(201);
    expect((await dave('POST', '/apps', { name: 'daves-app' })).status).toBe(201);
    expect((await dave('POST', '/apps/daves-app/collaborators', { user: 'carol@example.com' })).status).toBe(201);
    expect((await carol('POST', '/teams', { name: 'carols-team' })).status).toBe(201);
    expect((await carol('PUT', '/teams/carols-team/members', { email: 'dave@example.com', role: 'member' })).status).toBe(200);
  });
  afterAll(async () => {
    await cp?.stop();
  });

  it('is refused, changing nothing, while the account owns apps or alone administers a team others use', async () => {
    const withApps = await admin('DELETE', '/users/carol@example.com');
    expect(withApps.status).toBe(409);
    expect(withApps.body.message).toMatch(/owns an app \(carols-app\)/);
    const soleAdmin = await admin('DELETE', '/users/carol@example.com?destroy_apps=true');
    expect(soleAdmin.status).toBe(409);
    expect(soleAdmin.body.message).toMatch(/only admin of carols-team/);
    expect((await carol('GET', '/apps/carols-app')).status).toBe(200);
    expect((await admin('DELETE', '/users/~')).status).toBe(422);
    expect((await carol('DELETE', '/users/dave@example.com')).status).toBe(403);
  });

  it('takes the apps when told to, and every trace of the account; the email is free again', async () => {
    expect((await carol('PATCH', '/teams/carols-team/members', { email: 'dave@example.com', role: 'admin' })).status).toBe(200);
    const deleted = await admin('DELETE', '/users/carol@example.com?destroy_apps=true');
    expect(deleted.status).toBe(200);
    expect(deleted.body.email).toBe('carol@example.com');

    expect((await carol('GET', '/account')).status).toBe(401);
    expect((await admin('GET', '/users/carol@example.com')).status).toBe(404);
    expect((await admin('GET', '/apps/carols-app')).status).toBe(404);
    const collaborators = await dave('GET', '/apps/daves-app/collaborators');
    expect(collaborators.body.map((c: { user: { email: string } }) => c.user.email)).not.toContain('carol@example.com');
    const members = await dave('GET', '/teams/carols-team/members');
    expect(members.body.map((m: { email: string }) => m.email)).toEqual(['dave@example.com']);
    expect((await admin('POST', '/users', { email: 'carol@example.com' })).status).toBe(201);
  });
});
