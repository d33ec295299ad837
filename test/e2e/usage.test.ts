// Metered usage on the real platform (`npm start`'s launcher), as a provider bills it: every
// request the router answered counted, a dyno run for a measured time billed within 1% of it
// while the control plane and then Redis are killed with SIGKILL in the middle, and every ledger
// record delivered to the billing receiver exactly once across the receiver's outage.
import { rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../common/ports.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';
import { api, descendants, fixtureRepo, git, gitUrl, newHome, platformEnv, removePlatformImages, startPlatform, viaRouter, waitFor, type RunningPlatform } from './harness.js';

const SECRET = 'whsec_dGVzdC1iaWxsaW5nLXNlY3JldC0xMjM0NTY3ODkw';
const RUN_SECONDS = 60;

interface Line {
  kind: string;
  process_type: string;
  seconds: number;
  requests: number;
  bytes: number;
}

describe('metered usage through the whole platform', () => {
  let env: Record<string, string>;
  let platform: RunningPlatform;
  let call: ReturnType<typeof api>;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  const cleanup: string[] = [];
  const measured: string[] = [];

  const usage = async () => ((await call('GET', '/apps/metered/usage?start=2026-01-01T00:00:00Z')).body as { lines: Line[] }).lines;
  const routerRequests = async () => (await usage()).find((l) => l.kind === 'router')?.requests ?? 0;
  const apiUp = () => waitFor('the API answering', async () => (await call('GET', '/apps').catch(() => ({ status: 0 }))).status === 200, 60_000);
  const killOne = async (pattern: RegExp) => {
    const [victim] = (await descendants(platform.pid)).filter((p) => pattern.test(p.cmdline));
    expect(victim, `a process matching ${pattern}`).toBeDefined();
    process.kill(victim!.pid, 'SIGKILL');
    await waitFor(`${pattern} started again`, async () => (await descendants(platform.pid)).some((p) => pattern.test(p.cmdline) && p.pid !== victim!.pid), 30_000);
    await apiUp();
  };

  beforeAll(async () => {
    const home = await newHome();
    cleanup.push(home);
    const port = await freePort();
    receiver = await startWebhookReceiver(SECRET, port);
    await receiver.start();
    env = await platformEnv(home, {
      SLIPWAY_BILLING_WEBHOOK_URL: `http://127.0.0.1:${port}/billing`,
      SLIPWAY_BILLING_WEBHOOK_SECRET: SECRET,
      SLIPWAY_USAGE_FLUSH_SECONDS: '1',
      SLIPWAY_DELIVERY_FIRST_RETRY_SECONDS: '1',
      SLIPWAY_ROUTER_TRAFFIC_WINDOW_MS: '1000',
      SLIPWAY_RECONCILE_INTERVAL_MS: '1000',
      SLIPWAY_STOP_GRACE_SECONDS: '2',
    });
    platform = await startPlatform(env);
    call = api(platform.endpoints);
    expect((await call('POST', '/apps', { name: 'metered' })).status).toBe(201);
    const repo = await fixtureRepo('node-hello');
    cleanup.push(repo);
    const pushed = await git(repo, ['push', gitUrl(platform.endpoints, 'metered'), 'HEAD:main']);
    expect(pushed.code, pushed.out).toBe(0);
    await waitFor('metered answering', async () => (await viaRouter(platform.endpoints, 'metered')).status === 200, 120_000);
  }, 20 * 60_000);

  afterAll(async () => {
    console.log(measured.join('\n'));
    await platform?.stop().catch(() => {});
    await receiver?.stop();
    await removePlatformImages(env);
    for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
  });

  it('counts every request the router answered, and its bytes', async () => {
    // the windows of the requests so far arrive within a second or two
    await sleep(3000);
    const before = await routerRequests();
    for (let i = 0; i < 30; i++) {
      const answers = await Promise.all(Array.from({ length: 10 }, () => viaRouter(platform.endpoints, 'metered')));
      expect(answers.every((a) => a.status === 200)).toBe(true);
    }
    await waitFor('300 more requests in the ledger', async () => (await routerRequests()) >= before + 300, 30_000);
    await sleep(2000);
    expect(await routerRequests()).toBe(before + 300);
    const line = (await usage()).find((l) => l.kind === 'router')!;
    expect(line.bytes).toBeGreaterThanOrEqual((before + 300) * 'hello from v1\n'.length);
  }, 120_000);

  it(`bills a dyno run for ${RUN_SECONDS} s within 1%, through a kill -9 of the control plane and of Redis, and a billing outage`, async () => {
    await receiver.stop(); // the billing system is down for the whole run
    expect((await call('PATCH', '/apps/metered/formation/web', { quantity: 2 })).status).toBe(200);
    const asked = performance.now();
    const second = await waitFor('web.2 listed', async () => ((await call('GET', '/apps/metered/dynos')).body as { id: string; name: string }[]).find((d) => d.name === 'web.2'), 30_000);
    await sleep((RUN_SECONDS / 3) * 1000);
    await killOne(/control-plane\/main\.js$/);
    await sleep((RUN_SECONDS / 3) * 1000);
    await killOne(/^redis-server /);
    const left = RUN_SECONDS * 1000 - (performance.now() - asked);
    if (left > 0) await sleep(left);
    expect((await call('PATCH', '/apps/metered/formation/web', { quantity: 1 })).status).toBe(200);
    await waitFor('web.2 gone', async () => !((await call('GET', '/apps/metered/dynos')).body as { name: string }[]).some((d) => d.name === 'web.2'), 60_000);
    const ran = (performance.now() - asked) / 1000;

    const csv = await (await fetch(`${platform.endpoints.api}/apps/metered/usage?format=csv&start=2026-01-01T00:00:00Z`, { headers: { authorization: `Bearer ${platform.endpoints.token}`, accept: 'text/csv' } })).text();
    const rows = csv.trim().split('\r\n').slice(1).map((row) => row.split(','));
    const billed = rows.filter((r) => r[0]!.startsWith(`dyno:${second.id}:`)).reduce((sum, r) => sum + Number(r[9]), 0);
    measured.push(`web.2 ran ${ran.toFixed(2)} s (asked to start → gone, as the test saw it); billed ${billed.toFixed(2)} s in ${rows.filter((r) => r[0]!.startsWith(`dyno:${second.id}:`)).length} records`);
    // on a miss, the records themselves say where time was counted twice or lost
    const stretches = rows.filter((r) => r[0]!.startsWith(`dyno:${second.id}:`)).map((r) => r.join(',')).join('\n');
    expect(Math.abs(billed - ran) / ran, stretches).toBeLessThan(0.01);

    // the billing system comes back: every record reaches it, each once
    await receiver.start();
    // the webhook's id is the record's key, marked as usage
    const keys = rows.map((r) => `usage:${r[0]!}`);
    // a timeout names the records still missing (the delivery backoff's longest wait here is ~77 s)
    await waitFor('every record at the billing receiver', () => {
      const missing = keys.filter((key) => !receiver.seen.has(key));
      if (missing.length > 0) throw new Error(`${missing.length} of ${keys.length} missing, e.g. ${missing.slice(0, 3).join(' ')}`);
      return true;
    }, 120_000);
    expect(keys.filter((key) => receiver.seen.get(key) !== 1)).toEqual([]);
    expect(receiver.state.badSignatures).toBe(0);
    measured.push(`${keys.length} records delivered after the outage, each once`);
  }, 10 * 60_000);
});
