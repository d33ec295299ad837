// npm run bench:wake — a sleeping Node app's first request through the router, from sent to
// answered (the router holds it while the platform starts the app), beside the same app's
// normal cold start (web scaled 0 → 1, to its first 200 through the router). Goal: a wake of at
// most 2 s on this machine.
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { api, fixtureRepo, git, gitUrl, newHome, platformEnv, startPlatform, viaRouter } from '../test/e2e/harness.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const IDLE_SECONDS = 3;
const APP = 'sleepy';

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const home = await newHome();
  const plans = join(home, 'plans.yaml');
  await writeFile(plans, `default: free\nplans:\n  - name: free\n    sleep_after_idle_minutes: ${IDLE_SECONDS / 60}\n`);
  const env = await platformEnv(home, { SLIPWAY_PLANS_FILE: plans, SLIPWAY_SLEEP_CHECK_SECONDS: '1', SLIPWAY_ROUTER_TRAFFIC_WINDOW_MS: '1000', SLIPWAY_RECONCILE_INTERVAL_MS: '1000' });
  console.log('starting the platform (and the stack, if it is not built yet)...');
  const platform = await startPlatform(env);
  const call = api(platform.endpoints);
  const webDynos = async () => ((await call('GET', `/apps/${APP}/dynos`)).body as { name: string }[]).filter((d) => d.name.startsWith('web.')).length;
  const ok = async () => {
    const res = await viaRouter(platform.endpoints, APP);
    return res.status === 200 && res.body.startsWith('hello');
  };
  const wakes: number[] = [];
  const coldStarts: number[] = [];
  try {
    await call('POST', '/apps', { name: APP });
    const repo = await fixtureRepo('node-hello');
    const pushed = await git(repo, ['push', gitUrl(platform.endpoints, APP), 'HEAD:main']);
    await rm(repo, { recursive: true, force: true });
    if (pushed.code !== 0) throw new Error(`push failed:\n${pushed.out}`);
    await until('the app answering', ok);

    for (let round = 1; round <= ROUNDS; round++) {
      await until('the app asleep', async () => (await webDynos()) === 0, 60_000);
      const sent = performance.now();
      const res = await viaRouter(platform.endpoints, APP);
      const answered = performance.now();
      if (res.status !== 200) throw new Error(`the wake request got ${res.status}: ${res.body.slice(0, 200)}`);
      wakes.push((answered - sent) / 1000);
      console.log(`round ${round}: woken and answered in ${((answered - sent) / 1000).toFixed(3)} s`);
    }

    // The normal cold start: the same app scaled from none to one web dyno, to its first 200.
    // A request every 20 ms keeps it from sleeping meanwhile.
    for (let round = 1; round <= ROUNDS; round++) {
      await until('the app awake', ok);
      await call('PATCH', `/apps/${APP}/formation/web`, { quantity: 0 });
      await until('no web dyno', async () => (await webDynos()) === 0, 60_000);
      const scaled = performance.now();
      await call('PATCH', `/apps/${APP}/formation/web`, { quantity: 1 });
      await until('the first 200', ok);
      coldStarts.push((performance.now() - scaled) / 1000);
      console.log(`round ${round}: cold start (scale 0 → 1) to the first 200 in ${((performance.now() - scaled) / 1000).toFixed(3)} s`);
    }
  } finally {
    await platform.stop();
    await rm(home, { recursive: true, force: true });
  }
  console.log('');
  console.log(
    `wake: request → response median ${median(wakes).toFixed(3)} s (max ${Math.max(...wakes).toFixed(3)} s, ${wakes.length} wakes; goal ≤ 2 s); ` +
      `normal cold start (scale 0 → 1 to first 200) median ${median(coldStarts).toFixed(3)} s`,
  );
}

await main();
