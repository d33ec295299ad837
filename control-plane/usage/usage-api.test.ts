// Usage through the API and the CLI on a real control plane (Redis, NATS): a dyno's time from
// its record's start to its removal, as sums and as CSV, visible to its owner only.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Instance } from '../../common/types.js';
import { inProcessCli } from '../../cli/testing/cli-harness.js';
import { apiClient, NO_BUILDS, startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';

describe('usage through the API and the CLI', () => {
  let cp: TestControlPlane;
  let home: string;
  let ann: ReturnType<typeof apiClient>;
  let bob: ReturnType<typeof apiClient>;
  let annToken: string;

  beforeAll(async () => {
    cp = await startTestControlPlane({}, { builder: NO_BUILDS });
    home = await mkdtemp(join(tmpdir(), 'slipway-usage-cli-'));
    const operator = apiClient(cp.url, cp.adminToken);
    annToken = (await operator('POST', '/users', { email: 'ann@example.com' })).body.token;
    ann = apiClient(cp.url, annToken);
    bob = apiClient(cp.url, (await operator('POST', '/users', { email: 'bob@example.com' })).body.token);
    const app = (await ann('POST', '/apps', { name: 'meter-app' })).body as { id: string };
    // a web dyno asked to start, up, then removed a second later (as the scheduler does)
    const stamp = new Date().toISOString();
    const instance: Instance = { id: 'i-meter', appId: app.id, appName: 'meter-app', type: 'web', index: 1, releaseVersion: 1, hostId: 'h1', size: 'basic', state: 'starting', port: null, exitCode: null, reason: null, restarts: 0, createdAt: stamp, updatedAt: stamp };
    const { instances } = cp.controlPlane.services;
    await instances.save(instance);
    await instances.update(instance.id, () => ({ state: 'up' }));
    await sleep(1100);
    await instances.remove(instance);
  });
  afterAll(async () => {
    await cp?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('sums an app’s dyno time, and gives each record as CSV', async () => {
    const usage = await ann('GET', '/apps/meter-app/usage');
    expect(usage.status).toBe(200);
    expect(usage.body.lines).toHaveLength(1);
    const [line] = usage.body.lines;
    expect(line).toMatchObject({ app: 'meter-app', kind: 'dyno', process_type: 'web', size: 'basic' });
    const csv = await fetch(`${cp.url}/apps/meter-app/usage`, { headers: { authorization: `Bearer ${annToken}`, accept: 'text/csv' } });
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const [header, row] = (await csv.text()).split('\r\n');
    expect(header).toBe('key,account,app_id,app,kind,process_type,size,start,end,seconds,requests,bytes');
    const fields = row!.split(',');
    const seconds = Number(fields[9]);
    expect(seconds).toBe((Date.parse(fields[8]!) - Date.parse(fields[7]!)) / 1000);
    expect(seconds).toBeGreaterThanOrEqual(1.1);
    expect(line.seconds).toBe(seconds);
    expect((await ann('GET', '/account/usage')).body.lines).toEqual(usage.body.lines);
  });

  it('shows an app’s usage to those who may view it only, and checks the period', async () => {
    expect((await bob('GET', '/apps/meter-app/usage')).status).toBe(403);
    expect((await bob('GET', '/account/usage')).body.lines).toEqual([]);
    expect((await bob('GET', '/users/ann@example.com/usage')).status).toBe(403);
    const reversed = await ann('GET', '/account/usage?start=2026-12-02&end=2026-12-01');
    expect(reversed.status).toBe(422);
    expect(reversed.body.message).toBe('end must come after start.');
    expect((await ann('GET', '/account/usage?start=yesterday')).status).toBe(422);
    expect((await ann('GET', '/account/usage?start=2020-01-01&end=2020-02-01')).body.lines).toEqual([]);
  });

  it('prints it in the CLI', async () => {
    const slipway = inProcessCli({ home, cwd: home, env: { SLIPWAY_API_URL: cp.url, SLIPWAY_API_TOKEN: annToken } });
    const table = await slipway(['usage', '-a', 'meter-app']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^meter-app\s+dyno\s+web\s+basic\s+1s\s+1\.\d+$/m);
    const csv = await slipway(['usage', '--csv']);
    expect(csv.stdout.split('\r\n')[1]).toMatch(/^dyno:i-meter:\d+,user:[^,]+,[^,]+,meter-app,dyno,web,basic,/);
  });
});
