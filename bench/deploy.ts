// npm run bench:deploy — seconds from the start of `git push` to the first 200 through the
// router, for a fresh app and for a code-only second push (the stack already built), on the
// buildpack path and, for the same app with a Dockerfile (BuildKit), on the Dockerfile path.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
import { NODE_VERSION_ARGS } from './builds/cases.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DOCKERFILE = fileURLToPath(new URL('../../bench/deploy-dockerfile/Dockerfile', import.meta.url));

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
    let nodeVersion = '';
    for (let round = 1; round <= ROUNDS; round++) {
      for (const path of ['buildpacks', 'dockerfile'] as const) {
        const app = `bench-${path.slice(0, 6)}-${round}-${Date.now() % 100000}`;
        await call('POST', '/apps', { name: app });
        const repo = await fixtureRepo('e2e-hello');
        if (path === 'dockerfile') {
          // the same Node.js the buildpack installed, baked in through heroku.yml's build config
          await writeFile(join(repo, 'Dockerfile'), await readFile(DOCKERFILE));
          await writeFile(join(repo, 'heroku.yml'), `build:\n  docker:\n    web: Dockerfile\n  config:\n    NODE_VERSION: ${nodeVersion}\n`);
          await commitAll(repo, 'Dockerfile');
        }
        let start = performance.now();
        let pushed = await git(repo, ['push', gitUrl(platform.endpoints, app), 'HEAD:main']);
        let pushDone = performance.now();
        if (pushed.code !== 0) throw new Error(`push failed:\n${pushed.out}`);
        if (path === 'buildpacks') nodeVersion = NODE_VERSION_ARGS.NODE_VERSION.exec(pushed.out)?.[1] ?? nodeVersion;
        let served = await untilServed(platform.endpoints, app, 'hello v1');
        rows.push({ case: `${path} fresh app (round ${round})`, push: (pushDone - start) / 1000, firstOk: (served - start) / 1000 });

        await editFile(repo, 'server.js', (t) => t.replace("const VERSION = 'v1'", "const VERSION = 'v2'"));
        await commitAll(repo, 'code-only change');
        start = performance.now();
        pushed = await git(repo, ['push', gitUrl(platform.endpoints, app), 'HEAD:main']);
        pushDone = performance.now();
        if (pushed.code !== 0) throw new Error(`push failed:\n${pushed.out}`);
        served = await untilServed(platform.endpoints, app, 'hello v2');
        rows.push({ case: `${path} code-only push (round ${round})`, push: (pushDone - start) / 1000, firstOk: (served - start) / 1000 });
        await rm(repo, { recursive: true, force: true });
      }
    }
  } finally {
    await platform.stop();
    await rm(home, { recursive: true, force: true });
  }
  console.log('\ncase                                     git push exits   first 200 with the new code');
  for (const row of rows) {
    console.log(`${row.case.padEnd(41)}${row.push.toFixed(2).padStart(10)} s${row.firstOk.toFixed(2).padStart(16)} s`);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const summary = (path: string) => {
    const fresh = rows.filter((r) => r.case.startsWith(`${path} fresh`)).map((r) => r.firstOk);
    const codeOnly = median(rows.filter((r) => r.case.startsWith(`${path} code-only`)).map((r) => r.firstOk));
    // Round 1 is each path's first build: it downloads the Node.js runtime into its cache.
    const later = fresh.length > 1 ? `, later fresh apps ${median(fresh.slice(1)).toFixed(2)} s` : '';
    console.log(`deploy (${path}): first app ${fresh[0]!.toFixed(2)} s${later}, code-only push ${codeOnly.toFixed(2)} s (push start to first 200 through the router)`);
    return codeOnly;
  };
  console.log('');
  const buildpacks = summary('buildpacks');
  const dockerfile = summary('dockerfile');
  console.log(`deploy: code-only push to 200, Dockerfile path ${dockerfile.toFixed(2)} s, buildpack path ${buildpacks.toFixed(2)} s (dockerfile/buildpacks ${(dockerfile / buildpacks).toFixed(2)})`);
}

await main();
