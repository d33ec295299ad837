// Every Platform API answer is snake_case (common/api-shapes.ts), walked through a real
// control plane: no camelCase key anywhere but inside user data (config vars, process types).
import { afterAll, beforeAll, expect, test } from 'vitest';
import { apiClient, startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';

const noBuilds = { ready: true, prepare: async () => {}, build: async () => Promise.reject(new Error('no builds')), tagImage: async () => {} };
let cp: TestControlPlane;

beforeAll(async () => {
  cp = await startTestControlPlane({}, { builder: noBuilds });
});
afterAll(async () => {
  await cp?.stop();
});

/** Paths of keys that are not snake_case, skipping the values of user-keyed maps. */
function camelKeys(value: unknown, path = '$'): string[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => camelKeys(item, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, field]) => [
    ...(/^[a-z0-9_]+$/.test(key) ? [] : [`${path}.${key}`]),
    ...(key === 'process_types' ? [] : camelKeys(field, `${path}.${key}`)),
  ]);
}

test('every resource answers in snake_case', async () => {
  const call = apiClient(cp.url, cp.adminToken);
  expect((await call('POST', '/apps', { name: 'shapes' })).status).toBe(201);
  expect((await call('PATCH', '/apps/shapes/config-vars', { SOME_VAR: 'x' })).status).toBe(200);
  expect((await call('POST', '/apps/shapes/domains', { hostname: 'www.example.com' })).status).toBe(201);
  const created = await call('POST', '/account/tokens', { description: 'ci' });
  expect(created.status).toBe(201);
  expect(Object.keys(created.body).sort()).toEqual(['created_at', 'description', 'id', 'token']);

  const paths = ['/account', '/account/tokens', '/users', '/apps', '/apps/shapes', '/apps/shapes/releases', '/apps/shapes/releases/1',
    '/apps/shapes/formation', '/apps/shapes/dynos', '/apps/shapes/builds', '/apps/shapes/domains', '/apps/shapes/sni-endpoints', '/hosts'];
  for (const path of paths) {
    const answer = await call('GET', path);
    expect(answer.status, path).toBe(200);
    expect(camelKeys(answer.body), path).toEqual([]);
  }
  const tokens = (await call('GET', '/account/tokens')).body as Record<string, unknown>[];
  expect(tokens.length).toBeGreaterThan(0);
  for (const token of tokens) expect(Object.keys(token).sort()).toEqual(['created_at', 'description', 'id']);
});

test.each(['constructor', '__proto__', 'toString', 'clock'])('scaling %s, which the release does not declare, is a 422 in the one error shape', async (type) => {
  const call = apiClient(cp.url, cp.adminToken);
  if ((await call('GET', '/apps/own-keys')).status === 404) expect((await call('POST', '/apps', { name: 'own-keys' })).status).toBe(201);
  expect((await call('PATCH', '/apps/own-keys/config-vars', { A: '1' })).status).toBe(200);
  for (const answer of [
    await call('PATCH', `/apps/own-keys/formation/${encodeURIComponent(type)}`, { quantity: 1 }),
    await call('PATCH', '/apps/own-keys/formation', { updates: [{ type, quantity: 1 }] }),
  ]) {
    expect(answer.status).toBe(422);
    expect(answer.body).toEqual({ id: 'invalid_params', message: expect.stringContaining("Couldn't find that process type") });
  }
});
