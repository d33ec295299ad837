// Free-tier sleep on the real platform (`npm start`'s launcher): an app of a plan that sleeps
// after a few idle seconds stops its dynos (formation kept), the next requests through the router
// are held while it starts and answered, not failed; an account moved to a plan without sleep
// keeps its app up.
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, fixtureRepo, git, gitUrl, newHome, platformEnv, removePlatformImages, startPlatform, viaRouter, waitFor, type RunningPlatform } from './harness.js';

const IDLE_SECONDS = 6;

describe('apps that sleep when idle and wake on a request', () => {
  let env: Record<string, string>;
  let platform: RunningPlatform;
  let call: ReturnType<typeof api>;
  const cleanup: string[] = [];
  const measured: string[] = [];
  const dynos = async () => ((await call('GET', '/apps/napper/dynos')).body as { name: string; state: string }[]).filter((d) => d.name.startsWith('web.'));
  const asleep = () => waitFor('the app asleep (no web dyno)', async () => (await dynos()).length === 0, (IDLE_SECONDS + 30) * 1000);

  beforeAll(async () => {
    const home = await newHome();
    cleanup.push(home);
    const plans = join(home, 'plans.yaml');
    await writeFile(plans, `default: free\nplans:\n  - name: free\n    sleep_after_idle_minutes: ${IDLE_SECONDS / 60}\n  - name: paid\n`);
    env = await platformEnv(home, {
      SLIPWAY_PLANS_FILE: plans,
      SLIPWAY_SLEEP_CHECK_SECONDS: '1',
      SLIPWAY_ROUTER_TRAFFIC_WINDOW_MS: '1000',
      SLIPWAY_RECONCILE_INTERVAL_MS: '1000',
      SLIPWAY_STOP_GRACE_SECONDS: '2',
    });
    platform = await startPlatform(env);
    call = api(platform.endpoints);
    expect((await call('POST', '/apps', { name: 'napper' })).status).toBe(201);
    const repo = await fixtureRepo('node-hello');
    cleanup.push(repo);
    const pushed = await git(repo, ['push', gitUrl(platform.endpoints, 'napper'), 'HEAD:main']);
    expect(pushed.code, pushed.out).toBe(0);
    await waitFor('napper answering', async () => (await viaRouter(platform.endpoints, 'napper')).status === 200, 120_000);
  }, 20 * 60_000);

  afterAll(async () => {
    console.log(measured.join('\n'));
    await platform?.stop().catch(() => {});
    await removePlatformImages(env);
    for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
  });

  it('stops the dynos of an idle app, keeping its formation, and says so in its log', async () => {
    await asleep();
    expect((await call('GET', '/apps/napper/formation/web')).body.quantity).toBe(1);
    const log = (await call('POST', '/apps/napper/log-sessions', { lines: 200 })).body.logplex_url as string;
    const lines = await (await fetch(log)).text();
    expect(lines).toMatch(/Idling/);
  }, 120_000);

  it('holds the first request while the app starts and answers it; requests at once are all answered', async () => {
    const started = Date.now();
    const first = await viaRouter(platform.endpoints, 'napper');
    const wakeMs = Date.now() - started;
    expect(first).toEqual({ status: 200, body: 'hello from v1\n' });
    measured.push(`woken and answered in ${wakeMs} ms`);
    expect((await dynos()).map((d) => d.state)).toEqual(['up']);

    await asleep();
    const burst = await Promise.all(Array.from({ length: 8 }, () => viaRouter(platform.endpoints, 'napper')));
    expect(burst.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(new Set(burst.map((r) => r.body))).toEqual(new Set(['hello from v1\n']));
    expect(await dynos()).toHaveLength(1);
  }, 180_000);

  it('never sleeps an app whose account is on a plan without sleep', async () => {
    const me = (await call('GET', '/account')).body as { id: string };
    expect((await call('PUT', `/users/${me.id}/plan`, { plan: 'paid' })).status).toBe(200);
    expect((await viaRouter(platform.endpoints, 'napper')).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, (IDLE_SECONDS + 4) * 1000));
    expect((await dynos()).map((d) => d.state)).toEqual(['up']);
  }, 120_000);
});
