// What users do through the API shows in the app's log as Heroku writes it (`--source platform`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';
import { waitFor } from '../../test/support/wait.js';

describe('platform events in the app log', () => {
  let cp: TestControlPlane;
  let api: ReturnType<typeof apiClient>;
  let email: string;

  beforeAll(async () => {
    cp = await startTestControlPlane({}, { builder: { ready: true, prepare: async () => {}, build: async () => Promise.reject(new Error('none')), tagImage: async () => {} } });
    api = apiClient(cp.url, cp.adminToken);
    email = (await api('GET', '/account')).body.email;
    expect((await api('POST', '/apps', { name: 'evented' })).status).toBe(201);
  });
  afterAll(async () => {
    await cp?.stop();
  });

  const platformLines = async (): Promise<string[]> => {
    const res = await fetch(`${cp.url}/apps/evented/logs?lines=100&source=platform`, { headers: { authorization: `Bearer ${cp.adminToken}` } });
    expect(res.status).toBe(200);
    return (await res.text()).trim().split('\n').filter(Boolean).map((l) => l.replace(/^\S+ /, ''));
  };

  it('config changes and restarts, signed by the user, with the release they made', async () => {
    expect((await api('PATCH', '/apps/evented/config-vars', { GREETING: 'hi', OTHER: 'x' })).status).toBe(200);
    expect((await api('PATCH', '/apps/evented/config-vars', { OTHER: null })).status).toBe(200);
    expect((await api('DELETE', '/apps/evented/dynos')).status).toBe(202);
    const expected = [
      `slipway[api]: Set GREETING, OTHER config vars by user ${email}`,
      `slipway[api]: Release v1 created by user ${email}`,
      `slipway[api]: Remove OTHER config vars by user ${email}`,
      `slipway[api]: Release v2 created by user ${email}`,
      `slipway[api]: Restart all dynos by user ${email}`,
    ];
    await waitFor('the platform events', async () => (await platformLines()).length >= expected.length, 10_000);
    const lines = await platformLines();
    expect(lines).toEqual(expected);
    // Config values never reach the log.
    expect(lines.join('\n')).not.toContain('hi');
  });
});
