// Heroku's teams on a real control plane (Redis, NATS): members and their roles, the role
// table (docs/architecture.md, "Roles") checked through the API for every role, team apps, and
// apps moving between users and teams.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, NO_BUILDS, startTestControlPlane, type TestControlPlane } from '../test/support/control-plane.js';

type Client = ReturnType<typeof apiClient>;
const names = (list: { name: string }[]) => list.map((entry) => entry.name);

describe('teams', () => {
  let cp: TestControlPlane;
  let operator: Client;
  const as: Record<string, Client> = {};

  beforeAll(async () => {
    cp = await startTestControlPlane({}, { builder: NO_BUILDS });
    operator = apiClient(cp.url, cp.adminToken);
    for (const name of ['ada', 'max', 'val', 'col', 'out']) {
      const created = await operator('POST', '/users', { email: `${name}@example.com` });
      as[name] = apiClient(cp.url, created.body.token as string);
    }
  });
  afterAll(async () => cp?.stop());

  it('creates a team with its creator as admin, visible to its members only', async () => {
    const created = await as.ada!('POST', '/teams', { name: 'acme' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'acme', role: 'admin', type: 'team' });
    expect((await as.ada!('GET', '/teams')).body).toMatchObject([{ name: 'acme', role: 'admin' }]);
    expect((await as.ada!('GET', `/teams/${created.body.id}`)).body.name).toBe('acme');
    const hidden = await as.out!('GET', '/teams/acme');
    expect(hidden.status).toBe(404);
    expect(hidden.body).toMatchObject({ id: 'not_found', message: "Couldn't find that team: acme." });
    expect((await as.out!('GET', '/teams')).body).toEqual([]);
    // An operator sees any team (with no role in it).
    expect((await operator('GET', '/teams/acme')).body).toMatchObject({ name: 'acme', role: null });
  });

  it('refuses bad, reserved and taken team names, saying why', async () => {
    expect((await as.out!('POST', '/teams', { name: 'Bad Name' })).body.message).toMatch(/^Team name is invalid: it must start with a letter/);
    expect((await as.out!('POST', '/teams', { name: 'apps' })).body.message).toBe('Team name apps is reserved (it names a part of the API).');
    const taken = await as.out!('POST', '/teams', { name: 'acme' });
    expect(taken.status).toBe(409);
    expect(taken.body.message).toBe('A team named acme already exists.');
    expect((await as.out!('POST', '/teams', { name: 'x1', extra: true })).status).toBe(422);
  });

  it('lets an admin add members with roles and change them; others may not', async () => {
    expect((await as.ada!('PUT', '/teams/acme/members', { email: 'max@example.com', role: 'member' })).body).toMatchObject({ email: 'max@example.com', role: 'member' });
    expect((await as.ada!('PUT', '/teams/acme/members', { email: 'val@example.com', role: 'admin' })).status).toBe(200);
    expect((await as.ada!('PATCH', '/teams/acme/members', { email: 'val@example.com', role: 'viewer' })).body.role).toBe('viewer');
    expect((await as.ada!('PATCH', '/teams/acme/members', { email: 'out@example.com', role: 'viewer' })).status).toBe(404);
    expect((await as.ada!('PUT', '/teams/acme/members', { email: 'max@example.com', role: 'owner' })).status).toBe(422);
    expect((await as.ada!('PUT', '/teams/acme/members', { email: 'nobody@example.com', role: 'member' })).status).toBe(404);
    const byMember = await as.max!('PUT', '/teams/acme/members', { email: 'out@example.com', role: 'admin' });
    expect(byMember.status).toBe(403);
    expect(byMember.body.message).toBe('Only an admin of acme can do that.');
    expect((await as.val!('DELETE', '/teams/acme/members/max@example.com')).status).toBe(403);
    const members = (await as.val!('GET', '/teams/acme/members')).body as { email: string; role: string }[];
    expect(members.map((m) => `${m.email} ${m.role}`)).toEqual(['ada@example.com admin', 'max@example.com member', 'val@example.com viewer']);
    expect((await as.max!('GET', '/teams')).body).toMatchObject([{ name: 'acme', role: 'member' }]);
  });

  it('always keeps an admin: the last one can neither leave nor step down', async () => {
    const leaving = await as.ada!('DELETE', '/teams/acme/members/ada@example.com');
    expect(leaving.status).toBe(422);
    expect(leaving.body.message).toBe('A team needs at least one admin: make another member an admin first.');
    expect((await as.ada!('PATCH', '/teams/acme/members', { email: 'ada@example.com', role: 'member' })).status).toBe(422);
    expect((await as.ada!('GET', '/teams/acme/members')).body.find((m: { email: string }) => m.email === 'ada@example.com').role).toBe('admin');
  });

  it('creates team apps for admins and members, not viewers', async () => {
    const byMember = await as.max!('POST', '/teams/apps', { name: 'acme-web', team: 'acme' });
    expect(byMember.status).toBe(201);
    expect(byMember.body).toMatchObject({ name: 'acme-web', team: { name: 'acme' }, owner: { email: 'acme@herokumanager.com' } });
    const byViewer = await as.val!('POST', '/teams/apps', { name: 'acme-view', team: 'acme' });
    expect(byViewer.status).toBe(403);
    expect(byViewer.body.message).toBe('Viewers of acme cannot create or move apps into it: ask an admin for the member role.');
    expect((await as.out!('POST', '/teams/apps', { name: 'acme-out', team: 'acme' })).status).toBe(404);
    // Without a team, /teams/apps makes a personal app (Heroku's `apps:create` without --team goes to /apps).
    expect((await as.out!('POST', '/teams/apps', { name: 'outs-own' })).body).toMatchObject({ team: null, owner: { email: 'out@example.com' } });
    expect(names((await as.val!('GET', '/teams/acme/apps')).body)).toEqual(['acme-web']);
    expect(names((await as.val!('GET', '/apps')).body)).toContain('acme-web');
    // A team's app is not the creator's own: `heroku apps` (users/~/apps) lists personal and shared apps.
    expect(names((await as.max!('GET', '/users/~/apps')).body)).not.toContain('acme-web');
  });

  // The role table of docs/architecture.md, through the API: view, change, manage per role.
  it('grants each role what the role table says, on a team app and on a personal app', async () => {
    await as.ada!('POST', '/apps/acme-web/collaborators', { user: 'col@example.com' });
    await as.ada!('PATCH', '/apps/acme-web/config-vars', { SECRET: 's' });
    const can = async (client: Client, app: string) => {
      const view = (await client('GET', `/apps/${app}/releases`)).status;
      const readConfig = (await client('GET', `/apps/${app}/config-vars`)).status;
      const change = (await client('PATCH', `/apps/${app}`, { maintenance: false })).status;
      // A manage action that fails validation after the permission check: 422 means permitted.
      const manage = (await client('POST', `/apps/${app}/collaborators`, { user: 'nobody@example.com' })).status;
      return { view: view === 200, readConfig: readConfig === 200, change: change === 200, manage: manage === 404, refusals: [view, readConfig, change, manage].filter((s) => s === 403).length };
    };
    const all = { view: true, readConfig: true, change: true, manage: true, refusals: 0 };
    expect(await can(as.ada!, 'acme-web')).toEqual(all); // team admin
    expect(await can(as.max!, 'acme-web')).toEqual({ view: true, readConfig: true, change: true, manage: false, refusals: 1 }); // member
    expect(await can(as.col!, 'acme-web')).toEqual({ view: true, readConfig: true, change: true, manage: false, refusals: 1 }); // collaborator
    expect(await can(as.val!, 'acme-web')).toEqual({ view: true, readConfig: false, change: false, manage: false, refusals: 3 }); // viewer
    expect(await can(as.out!, 'acme-web')).toEqual({ view: false, readConfig: false, change: false, manage: false, refusals: 4 }); // none
    expect(await can(operator, 'acme-web')).toEqual(all);
    expect(await can(as.out!, 'outs-own')).toEqual(all); // owner of a personal app
    const viewerChange = await as.val!('PATCH', '/apps/acme-web/config-vars', { X: '1' });
    expect(viewerChange.body.message).toBe('You may view acme-web but not change it (your role on it is read-only).');
    // A viewer reads the log (Heroku's log session is a POST) but may not push or pull the source.
    expect((await as.val!('POST', '/apps/acme-web/log-sessions', { lines: 1 })).status).toBe(201);
    // Only a manager renames or deletes.
    expect((await as.max!('PATCH', '/apps/acme-web', { name: 'acme-renamed' })).status).toBe(403);
    expect((await as.max!('DELETE', '/apps/acme-web')).status).toBe(403);
  });

  it('lists a team app\'s access as Heroku does: team members with their roles, then collaborators', async () => {
    const access = (await as.val!('GET', '/apps/acme-web/collaborators')).body as { user: { email: string }; role: string }[];
    expect(access.map((c) => `${c.user.email} ${c.role}`)).toEqual(['ada@example.com admin', 'max@example.com member', 'val@example.com viewer', 'col@example.com collaborator']);
    expect((await as.ada!('DELETE', '/apps/acme-web/collaborators/val@example.com')).body.message).toBe(
      "val@example.com has access through the app's team: a team admin changes that with the team's members.",
    );
    expect((await as.ada!('POST', '/apps/acme-web/collaborators', { user: 'max@example.com' })).body.message).toBe("max@example.com is a member of the app's team already.");
  });

  it('moves a personal app into a team, and a team app to one of its members', async () => {
    expect((await as.max!('POST', '/apps', { name: 'max-api' })).status).toBe(201);
    await as.max!('POST', '/apps/max-api/collaborators', { user: 'out@example.com' });
    // A viewer's own app cannot move into the team; a member's can.
    expect((await as.val!('POST', '/apps', { name: 'val-app' })).status).toBe(201);
    expect((await as.val!('PATCH', '/teams/apps/val-app', { owner: 'acme' })).status).toBe(403);
    const moved = await as.max!('PATCH', '/teams/apps/max-api', { owner: 'acme' });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ name: 'max-api', team: { name: 'acme' }, owner: { email: 'acme@herokumanager.com' } });
    expect(names((await as.ada!('GET', '/teams/acme/apps')).body)).toEqual(['acme-web', 'max-api']);
    // max is now a member of a team app: no longer allowed to manage it.
    expect((await as.max!('PATCH', '/teams/apps/max-api', { owner: 'max@example.com' })).status).toBe(403);
    expect((await as.ada!('PATCH', '/teams/apps/max-api', { owner: 'out@example.com' })).body.message).toBe(
      "out@example.com is not a member of the app's team: only a member can receive it.",
    );
    // A personal transfer is refused for a team app; the team moves it.
    expect((await as.ada!('POST', '/account/app-transfers', { app: 'max-api', recipient: 'val@example.com' })).status).toBe(422);
    const out = await as.ada!('PATCH', '/teams/apps/max-api', { owner: 'val@example.com' });
    expect(out.body).toMatchObject({ name: 'max-api', team: null, owner: { email: 'val@example.com' } });
    // The app left its collaborators with the team: out@ no longer reaches it; val owns it.
    expect((await as.out!('GET', '/apps/max-api')).status).toBe(403);
    expect((await as.val!('DELETE', '/apps/max-api')).status).toBe(200);
    expect((await as.ada!('PATCH', '/teams/apps/acme-web', { locked: true })).status).toBe(422);
  });

  it('deletes a team only once it owns no apps, and only by an admin', async () => {
    expect((await as.max!('DELETE', '/teams/acme')).status).toBe(403);
    const busy = await as.ada!('DELETE', '/teams/acme');
    expect(busy.status).toBe(422);
    expect(busy.body.message).toBe('acme still owns acme-web: delete or move them first.');
    expect((await as.ada!('DELETE', '/apps/acme-web')).status).toBe(200);
    expect((await as.ada!('DELETE', '/teams/acme')).status).toBe(200);
    expect((await as.max!('GET', '/teams')).body).toEqual([]);
    expect((await as.ada!('GET', '/teams/acme')).status).toBe(404);
    // The name is free again.
    expect((await as.out!('POST', '/teams', { name: 'acme' })).status).toBe(201);
  });

  it('lets a member leave, and an admin remove a member', async () => {
    await as.out!('PUT', '/teams/acme/members', { email: 'max@example.com', role: 'member' });
    await as.out!('PUT', '/teams/acme/members', { email: 'val@example.com', role: 'viewer' });
    expect((await as.val!('DELETE', '/teams/acme/members/val@example.com')).status).toBe(200);
    expect((await as.val!('GET', '/teams/acme')).status).toBe(404);
    expect((await as.out!('DELETE', '/teams/acme/members/max@example.com')).body).toMatchObject({ email: 'max@example.com', role: 'member' });
    expect((await as.out!('GET', '/teams/acme/members')).body.map((m: { email: string }) => m.email)).toEqual(['out@example.com']);
  });
});
