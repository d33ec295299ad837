// Heroku's API conventions on a real control plane (Redis, NATS): Request-Id on every answer
// (request-id.test.ts has its pure part),
// ETag and If-None-Match, and the per-account rate limit with RateLimit-Remaining and a 429.
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_BUILDS, startTestControlPlane, type TestControlPlane } from '../test/support/control-plane.js';

describe('API conventions', () => {
  let cp: TestControlPlane;
  const get = (path: string, headers: Record<string, string> = {}, token = cp.adminToken) =>
    fetch(`${cp.url}${path}`, { headers: { accept: 'application/vnd.heroku+json; version=3', authorization: `Bearer ${token}`, ...headers } });

  beforeAll(async () => {
    cp = await startTestControlPlane({ SLIPWAY_API_RATE_LIMIT_PER_HOUR: '20' }, { builder: NO_BUILDS });
  });
  afterAll(async () => cp?.stop());

  it('names every request, errors too, keeping the id a client sent', async () => {
    const ok = await get('/account');
    expect(ok.headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const missing = await get('/apps/nope', { 'request-id': 'support-ticket-42' });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('request-id')).toMatch(/^support-ticket-42,[0-9a-f-]{36}$/);
  });

  it('answers an unchanged GET with 304 for its ETag, and a changed one in full', async () => {
    const created = await fetch(`${cp.url}/apps`, { method: 'POST', headers: { accept: 'application/vnd.heroku+json; version=3', authorization: `Bearer ${cp.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'etagged' }) });
    expect(created.status).toBe(201);
    const first = await get('/apps/etagged');
    const tag = first.headers.get('etag');
    expect(tag).toBeTruthy();
    // (fetch would add Cache-Control: no-cache to a conditional request, as browsers do: undici's request sends it as the CLI does)
    const again = await request(`${cp.url}/apps/etagged`, { headers: { accept: 'application/vnd.heroku+json; version=3', authorization: `Bearer ${cp.adminToken}`, 'if-none-match': tag! } });
    expect(again.statusCode).toBe(304);
    expect(await again.body.text()).toBe('');
    await fetch(`${cp.url}/apps/etagged`, { method: 'PATCH', headers: { accept: 'application/vnd.heroku+json; version=3', authorization: `Bearer ${cp.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ maintenance: true }) });
    const changed = await request(`${cp.url}/apps/etagged`, { headers: { accept: 'application/vnd.heroku+json; version=3', authorization: `Bearer ${cp.adminToken}`, 'if-none-match': tag! } });
    expect(changed.statusCode).toBe(200);
    expect(((await changed.body.json()) as { maintenance: boolean }).maintenance).toBe(true);
  });

  it('pages a list by Range, 206 with Next-Range until the end, and refuses a range it cannot serve', async () => {
    const headers = { accept: 'application/vnd.heroku+json; version=3', authorization: `Bearer ${cp.adminToken}`, 'content-type': 'application/json' };
    for (const name of ['paged-c', 'paged-a', 'paged-b']) expect((await fetch(`${cp.url}/apps`, { method: 'POST', headers, body: JSON.stringify({ name }) })).status).toBe(201);
    const first = await get('/apps', { range: 'name paged-a..paged-z; max=2' });
    expect(first.status).toBe(206);
    expect(((await first.json()) as { name: string }[]).map((a) => a.name)).toEqual(['paged-a', 'paged-b']);
    expect(first.headers.get('accept-ranges')).toContain('name');
    const next = first.headers.get('next-range')!;
    expect(next).toBe('name ]paged-b..; max=2');
    const rest = await get('/apps', { range: next });
    expect(rest.status).toBe(200);
    expect(((await rest.json()) as { name: string }[]).map((a) => a.name)).toEqual(['paged-c']);
    const bad = await get('/apps', { range: 'owner ..' });
    expect(bad.status).toBe(416);
    expect(((await bad.json()) as { id: string }).id).toBe('requested_range_not_satisfiable');
  });

  it("counts each account's requests down and refuses past the budget with 429 and Retry-After", async () => {
    const user = await fetch(`${cp.url}/users`, { method: 'POST', headers: { accept: 'application/vnd.heroku+json; version=3', authorization: `Bearer ${cp.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ email: 'busy@example.com' }) });
    const { token } = (await user.json()) as { token: string };
    const remaining: number[] = [];
    for (let i = 0; i < 20; i++) {
      const response = await get('/account', {}, token);
      expect(response.status).toBe(200);
      remaining.push(Number(response.headers.get('ratelimit-remaining')));
    }
    expect(remaining[0]).toBe(19);
    expect(remaining.at(-1)).toBe(0);
    const refused = await get('/account', {}, token);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.json()).toEqual({ id: 'rate_limit', message: 'Your account reached the API rate limit of 20 requests per hour. Please wait a few minutes before making new requests.' });
    // Another account has its own budget.
    expect((await get('/account', { 'request-id': 'other-account-1' })).status).not.toBe(429);
  });
});
