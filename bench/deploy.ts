// npm run bench:deploy — seconds from the start of `git push` to the first 200 through the
// router, for a fresh app and for a code-only second push (the stack already built).
import { rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  api,
  commitAll,
  editFile,
  fixtureRepo,
  git,
  gitUrl,
  newHome,
  platformEnv,
  startPlatform,
  viaRouter,
} from '../test/e2e/harness.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

async function untilServed(endpoints: Parameters<typeof viaRouter>[0], app: string, expect: string): Promise<number> {
  const deadline = Date.now() + 300_000;
  let last = '';
  while (Date.now() < deadline) {
    const res = await viaRouter(endpoints, app).catch((err: Error) => ({ status: 0, body: err.message }));
    if (res.status === 200 && res.body.includes(expect)) return performance.now();
    last = `${res.status} ${res.body.slice(0, 200)}`;
    await sleep(50);
  }
  throw new Error(`${app} never answered with ${expect}; last answer: ${last}`);
}

async function main(): Promise<void> {
  const home = await newHome();
  const env = await platformEnv(home);
  console.log('starting the platform (and the stack, if it is not built yet)...');
  const platform = await startPlatform(env);
  const call = api(platform.endpoints);
  const rows: { case: string; push: number; firstOk: number }[] = [];
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      const app = `bench-${round}-${Date.now() % 100000}`;
      await call('POST', '/apps', { name: app });
      const repo = await fixtureRepo('e2e-hello');
      let start = performance.now();
      let pushed = await git(repo, ['push', gitUrl(platform.endpoints, app), 'HEAD:main']);
      let pushDone = performance.now();
      if (pushed.code !== 0) throw new Error(`push failed:\n${pushed.out}`);
      let served = await untilServed(platform.endpoints, app, 'hello v1');
      rows.push({ case: `fresh app (round ${round})`, push: (pushDone - start) / 1000, firstOk: (served - start) / 1000 });

      await editFile(repo, 'server.js', (t) => t.replace("const VERSION = 'v1'", "const VERSION = 'v2'"));
      await commitAll(repo, 'code-only change');
      start = performance.now();
      pushed = await git(repo, ['push', gitUrl(platform.endpoints, app), 'HEAD:main']);
      pushDone = performance.now();
      if (pushed.code !== 0) throw new Error(`push failed:\n${pushed.out}`);
      served = await untilServed(platform.endpoints, app, 'hello v2');
      rows.push({ case: `code-only push (round ${round})`, push: (pushDone - start) / 1000, firstOk: (served - start) / 1000 });
      await rm(repo, { recursive: true, force: true });
    }
  } finally {
    await platform.stop();
    await rm(home, { recursive: true, force: true });
  }
  console.log('\ncase                          git push exits   first 200 with the new code');
  for (const row of rows) {
    console.log(`${row.case.padEnd(30)}${row.push.toFixed(2).padStart(10)} s${row.firstOk.toFixed(2).padStart(16)} s`);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const fresh = rows.filter((r) => r.case.startsWith('fresh')).map((r) => r.firstOk);
  const codeOnly = median(rows.filter((r) => r.case.startsWith('code-only')).map((r) => r.firstOk));
  // Round 1 is the platform's first build: it downloads the Node.js runtime into the cache.
  const later = fresh.length > 1 ? `, later fresh apps ${median(fresh.slice(1)).toFixed(2)} s` : '';
  console.log(
    `\ndeploy: first app on a new platform ${fresh[0]!.toFixed(2)} s${later}, code-only push ${codeOnly.toFixed(2)} s (push start to first 200 through the router)`,
  );
}

await main();
