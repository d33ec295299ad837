// Tenant isolation, generated from the API's own route table: every route under /apps/:app,
// called by a user who may not access the app, is refused with 403 and changes nothing. A new
// route without the check fails here without anyone writing a test for it. The same table
// checks the read-only role: a team viewer may use every read and nothing that changes the app.
import type { NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentedRoutes, type DocumentedRoute } from './http/openapi.js';
import { createApi } from './server.js';
import { apiClient, NO_BUILDS, startTestControlPlane, type TestControlPlane } from '../test/support/control-plane.js';

type RouteEntry = Pick<DocumentedRoute, 'method' | 'path'>;

/** Every method and path the API's routers serve, read from the Koa app built as the server builds it. */
function apiRoutes(cp: TestControlPlane): RouteEntry[] {
  const app = createApi(cp.controlPlane.services, { maxBodyBytes: 1024, pushUrl: () => '', nats: {} as NatsConnection });
  return documentedRoutes(app).map(({ method, path }) => ({ method, path }));
}

/** A concrete URL for a route pattern: the app named, any other parameter a plausible value. */
function concrete(path: string, app: string): string {
  return path.replace(/:app(?=\/|$)/, app).replace(/:([A-Za-z_]+)/g, (_, name: string) => ({ type: 'web', dyno: 'web.1', release: '1' })[name] ?? 'x');
}

describe('tenant isolation', () => {
  let cp: TestControlPlane;
  let routes: RouteEntry[];
  let owner: ReturnType<typeof apiClient>;
  let stranger: ReturnType<typeof apiClient>;
  let viewer: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    cp = await startTestControlPlane({}, { builder: NO_BUILDS });
    const admin = apiClient(cp.url, cp.adminToken);
    owner = apiClient(cp.url, (await admin('POST', '/users', { email: 'owner@example.com' })).body.token as string);
    stranger = apiClient(cp.url, (await admin('POST', '/users', { email: 'stranger@example.com' })).body.token as string);
    expect((await owner('POST', '/apps', { name: 'private-app' })).status).toBe(201);
    expect((await owner('PATCH', '/apps/private-app/config-vars', { SECRET: 'kept' })).status).toBe(200);
    viewer = apiClient(cp.url, (await admin('POST', '/users', { email: 'viewer@example.com' })).body.token as string);
    expect((await owner('POST', '/teams', { name: 'owners' })).status).toBe(201);
    expect((await owner('PUT', '/teams/owners/members', { email: 'viewer@example.com', role: 'viewer' })).status).toBe(200);
    expect((await owner('POST', '/teams/apps', { name: 'team-app', team: 'owners' })).status).toBe(201);
    expect((await owner('PATCH', '/apps/team-app/config-vars', { SECRET: 'kept' })).status).toBe(200);
    // (the release output's capability URL names an app id and needs no account: not an app route)
    routes = apiRoutes(cp).filter((route) => /:app(\/|$)/.test(route.path));
  });
  afterAll(async () => cp?.stop());

  it('reads the route table (and it has the app routes)', () => {
    expect(routes.length).toBeGreaterThan(30);
    expect(routes).toContainEqual({ method: 'GET', path: '/apps/:app/config-vars' });
    expect(routes).toContainEqual({ method: 'DELETE', path: '/apps/:app' });
  });

  it("refuses every app route to a user without access to the app, by name and by id", async () => {
    const { id } = (await owner('GET', '/apps/private-app')).body as { id: string };
    const answered: string[] = [];
    for (const route of routes) {
      for (const ref of ['private-app', id]) {
        const url = concrete(route.path, ref);
        const response = await stranger(route.method, url, ['POST', 'PATCH', 'PUT'].includes(route.method) ? {} : undefined);
        if (response.status !== 403) answered.push(`${route.method} ${url} -> ${response.status}`);
      }
    }
    expect(answered).toEqual([]);
    // Nothing changed: the owner still has the app and its config.
    expect((await owner('GET', '/apps/private-app/config-vars')).body).toEqual({ SECRET: 'kept' });
  });

  // Reads that are not views (secrets), and changes a viewer may make to themselves.
  // (log drain URLs may carry credentials, as config vars do; the app's audit log is for those who manage it)
  const VIEWER_REFUSED_READS = new Set(['GET /apps/:app/config-vars', 'GET /apps/:app/releases/:release/config-vars', 'GET /apps/:app/log-drains', 'GET /apps/:app/log-drains/:drain', 'GET /apps/:app/audit-events']);
  const VIEWER_ALLOWED_CHANGES = new Map([
    ['POST /apps/:app/log-sessions', 'reading the log is viewing, though the session is made with a POST'],
    ['DELETE /apps/:app/collaborators/:ref', 'anyone may leave an app (here: 404, no such collaborator)'],
  ]);

  it('lets a team viewer read every app route but the secrets, and change nothing', async () => {
    const wrong: string[] = [];
    for (const route of routes) {
      const key = `${route.method} ${route.path}`;
      if (VIEWER_ALLOWED_CHANGES.has(key)) continue;
      const url = concrete(route.path, 'team-app');
      const response = await viewer(route.method, url, ['POST', 'PATCH', 'PUT'].includes(route.method) ? {} : undefined);
      const refused = response.status === 403;
      const shouldRefuse = route.method !== 'GET' || VIEWER_REFUSED_READS.has(key);
      if (refused !== shouldRefuse) wrong.push(`${key} -> ${response.status}`);
    }
    expect(wrong).toEqual([]);
    expect((await owner('GET', '/apps/team-app/config-vars')).body).toEqual({ SECRET: 'kept' });
    expect((await owner('GET', '/apps/team-app')).status).toBe(200);
  });
});
