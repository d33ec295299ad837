// npm run bench:builds — for one app per language, Slipway's `git push` → first 200 through the
// router (a new app, then a code-only push) next to the same app deployed the Dockerfile way
// (BuildKit multi-stage build with cache mounts, pushed to the same registry, started), on the
// same engine and stack. The last lines print each ratio against the issue's goals: code-only
// at most 0.5× the Dockerfile path, first push at most 1.0×, image no larger.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../../common/entry-points.js';
import { recipeHash, stackImageNames, DEFAULT_STACK_RECIPE } from '../../buildpacks/stack/recipe.js';
import { api, commitAll, editFile, fixtureRepo, git, gitUrl, newHome, platformEnv, startPlatform, viaRouter, type RunningPlatform } from '../../test/e2e/harness.js';
import { median } from '../support/wrk.js';
import { BUILD_BENCH_CASES, type BuildBenchCase } from './cases.js';
import { DockerfilePath, registryImageBytes, removeRegistryImages, type RegistryLogin } from './dockerfile-path.js';

const CA_FILE = process.env.SLIPWAY_BUILD_CA_FILE ?? '/etc/ssl/certs/ca-certificates.crt';
const only = process.env.BENCH_CASES?.split(',').filter(Boolean);
// fixtures and Dockerfiles from the sources, also when this runs compiled from dist/
const sourceRoot = repoRoot(dirname(fileURLToPath(import.meta.url)));

interface PathResult {
  firstPush: number;
  codeOnly: number;
  imageBytes: number;
}

async function untilServed(platform: RunningPlatform, app: string, expect: string, started: number): Promise<number> {
  let last = '';
  while (performance.now() - started < 900_000) {
    const res = await viaRouter(platform.endpoints, app).catch((err: Error) => ({ status: 0, body: err.message }));
    if (res.status === 200 && res.body.includes(expect)) return performance.now();
    last = `${res.status} ${res.body.slice(0, 200)}`;
    await sleep(50);
  }
  throw new Error(`${app} never answered with ${expect}; last answer: ${last}`);
}

async function slipwayPath(platform: RunningPlatform, benchCase: BuildBenchCase, login: RegistryLogin): Promise<PathResult & { versions: Record<string, string> }> {
  const app = `bb-${benchCase.name}-${Date.now() % 100000}`.slice(0, 30);
  await api(platform.endpoints)('POST', '/apps', { name: app });
  const repo = await fixtureRepo(benchCase.fixture);
  try {
    // The client polls from the moment the push starts: the first 200 with the new code counts,
    // whenever it comes relative to the push's own exit.
    const push = async (expect: string) => {
      const started = performance.now();
      const served = untilServed(platform, app, expect, started);
      served.catch(() => undefined); // awaited below; a failed push must not leave it unhandled
      const pushed = await git(repo, ['push', gitUrl(platform.endpoints, app), 'HEAD:main']);
      const pushExited = performance.now();
      if (pushed.code !== 0) throw new Error(`push of ${benchCase.name} failed:\n${pushed.out.slice(-4000)}`);
      const seconds = ((await served) - started) / 1000;
      // BENCH_PUSH_OUTPUT=1 shows each push's whole build output.
      if (process.env.BENCH_PUSH_OUTPUT) console.log(pushed.out);
      const timings = /Build finished: (.*)/.exec(pushed.out)?.[1]?.trim() ?? '';
      console.log(`   200 after ${seconds.toFixed(2)} s, git push exited after ${((pushExited - started) / 1000).toFixed(2)} s; build ${timings}`);
      return { seconds, output: pushed.out };
    };
    const first = await push(benchCase.before);
    const versions = Object.fromEntries(
      Object.entries(benchCase.versionArgs).map(([arg, pattern]) => {
        const match = pattern.exec(first.output);
        if (!match) throw new Error(`${benchCase.name}: the build log does not say ${arg} (${pattern})`);
        return [arg, match[1]!];
      }),
    );
    await editFile(repo, benchCase.edit.file, (text) => text.replace(benchCase.edit.from, benchCase.edit.to));
    await commitAll(repo, 'code-only change');
    const second = await push(benchCase.after);
    const imageBytes = await registryImageBytes(login, `apps/${app}`, 'v2');
    return { firstPush: first.seconds, codeOnly: second.seconds, imageBytes, versions };
  } finally {
    await rm(repo, { recursive: true, force: true });
  }
}

async function dockerfilePath(path: DockerfilePath, benchCase: BuildBenchCase, buildArgs: Record<string, string>): Promise<PathResult> {
  const source = await mkdtemp(join(tmpdir(), `bench-source-${benchCase.name}-`));
  await cp(join(sourceRoot, 'test', 'fixtures', benchCase.fixture), source, { recursive: true });
  const context = await path.context(source, join(sourceRoot, 'bench', 'builds', 'dockerfiles', `${benchCase.name}.Dockerfile`));
  const image = (tag: string) => `${path.login.registry}/bench/${benchCase.name}:${tag}`;
  const containers: string[] = [];
  try {
    await path.pruneBuildCache();
    // Where each push's time went, like the Slipway path's build timings.
    const deploy = async (tag: string, expect: string) => {
      const started = performance.now();
      const phases = await path.buildAndPush(context, image(tag), buildArgs, CA_FILE);
      const pushed = performance.now();
      const served = await path.runUntilServed(image(tag), expect, started);
      containers.push(served.container);
      const seconds = (served.servedAt - started) / 1000;
      console.log(`   200 after ${seconds.toFixed(2)} s: build ${phases.build.toFixed(2)} s, push ${phases.push.toFixed(2)} s, run → 200 ${((served.servedAt - pushed) / 1000).toFixed(2)} s`);
      return seconds;
    };
    const first = await deploy('v1', benchCase.before);
    await editFile(context, benchCase.edit.file, (text) => text.replace(benchCase.edit.from, benchCase.edit.to));
    const second = await deploy('v2', benchCase.after);
    return {
      firstPush: first,
      codeOnly: second,
      imageBytes: await registryImageBytes(path.login, `bench/${benchCase.name}`, 'v2'),
    };
  } finally {
    for (const container of containers) await path.remove(container);
    for (const tag of ['v1', 'v2']) await path.removeImage(image(tag));
    await rm(source, { recursive: true, force: true });
    await rm(context, { recursive: true, force: true });
  }
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

type Row = { name: string; slipway: PathResult; dockerfile: PathResult };

/** One round: a new platform (empty builder caches), each case on both paths. */
async function runRound(cases: BuildBenchCase[]): Promise<Row[]> {
  const home = await newHome();
  const env = await platformEnv(home);
  console.log('starting the platform (and the stack, if it is not built yet)...');
  const platform = await startPlatform(env);
  const credentials = JSON.parse(await readFile(join(home, 'secrets', 'registry', 'credentials.json'), 'utf8')) as { ServerURL: string; Username: string; Secret: string };
  const login: RegistryLogin = { registry: credentials.ServerURL, username: credentials.Username, password: credentials.Secret };
  const stack = stackImageNames(recipeHash(DEFAULT_STACK_RECIPE));
  const path = await DockerfilePath.start(login);
  const rows: Row[] = [];
  try {
    for (const benchCase of cases) {
      console.log(`\n== ${benchCase.name}: Slipway (git push)`);
      const slipway = await slipwayPath(platform, benchCase, login);
      console.log(`   first push ${slipway.firstPush.toFixed(1)} s, code-only ${slipway.codeOnly.toFixed(1)} s, image ${mb(slipway.imageBytes)}`);
      console.log(`== ${benchCase.name}: Dockerfile (BuildKit, push, run)`);
      const dockerfile = await dockerfilePath(path, benchCase, { STACK_BUILD: stack.buildImage, STACK_RUN: stack.runImage, ...slipway.versions });
      console.log(`   first push ${dockerfile.firstPush.toFixed(1)} s, code-only ${dockerfile.codeOnly.toFixed(1)} s, image ${mb(dockerfile.imageBytes)}`);
      rows.push({ name: benchCase.name, slipway, dockerfile });
    }
  } finally {
    // BENCH_PLATFORM_LOG=<file> keeps the platform's own log (its last 200 kB), to see where a push's time went.
    if (process.env.BENCH_PLATFORM_LOG) await writeFile(process.env.BENCH_PLATFORM_LOG, platform.output());
    await path.stop();
    await platform.stop();
    // The next round's first pushes pull into an engine without this round's app layers.
    await removeRegistryImages(login.registry);
    await rm(home, { recursive: true, force: true });
  }
  return rows;
}

/** Each case's median over the rounds, figure by figure. */
function medianRows(rounds: Row[][]): Row[] {
  return rounds[0]!.map((row, index) => {
    const of = (pick: (r: Row) => PathResult, key: keyof PathResult) => median(rounds.map((round) => pick(round[index]!)[key]));
    const path = (pick: (r: Row) => PathResult): PathResult => ({ firstPush: of(pick, 'firstPush'), codeOnly: of(pick, 'codeOnly'), imageBytes: of(pick, 'imageBytes') });
    return { name: row.name, slipway: path((r) => r.slipway), dockerfile: path((r) => r.dockerfile) };
  });
}

async function main(): Promise<void> {
  const cases = BUILD_BENCH_CASES.filter((c) => !only || only.includes(c.name));
  // BENCH_ROUNDS=3: the whole run three times, each on a new platform; medians are reported.
  const roundCount = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1));
  const rounds: Row[][] = [];
  for (let round = 1; round <= roundCount; round++) {
    if (roundCount > 1) console.log(`\n#### round ${round} of ${roundCount}`);
    rounds.push(await runRound(cases));
  }
  if (roundCount > 1) {
    console.log('\nratios per round (code-only / first push):');
    for (const [index, row] of rounds[0]!.entries()) {
      const perRound = rounds.map((round) => {
        const r = round[index]!;
        return `${(r.slipway.codeOnly / r.dockerfile.codeOnly).toFixed(2)}/${(r.slipway.firstPush / r.dockerfile.firstPush).toFixed(2)}`;
      });
      console.log(`  ${row.name.padEnd(17)}${perRound.join('  ')}`);
    }
    console.log(`\nmedians of ${roundCount} rounds:`);
  }
  const rows = roundCount > 1 ? medianRows(rounds) : rounds[0]!;
  console.log('\napp              path        first push → 200   code-only push → 200   image (compressed)');
  for (const row of rows) {
    for (const [label, result] of [['Slipway', row.slipway], ['Dockerfile', row.dockerfile]] as const) {
      console.log(`${row.name.padEnd(17)}${label.padEnd(12)}${`${result.firstPush.toFixed(1)} s`.padStart(17)}${`${result.codeOnly.toFixed(1)} s`.padStart(23)}${mb(result.imageBytes).padStart(21)}`);
    }
  }
  console.log('');
  for (const row of rows) {
    const ratio = (a: number, b: number) => (a / b).toFixed(2);
    const codeOnly = row.slipway.codeOnly / row.dockerfile.codeOnly;
    const first = row.slipway.firstPush / row.dockerfile.firstPush;
    const size = row.slipway.imageBytes / row.dockerfile.imageBytes;
    console.log(
      `builds ${row.name}: code-only ${ratio(row.slipway.codeOnly, row.dockerfile.codeOnly)}× (goal ≤ 0.5 ${codeOnly <= 0.5 ? 'met' : 'missed'}), ` +
        `first push ${first.toFixed(2)}× (goal ≤ 1.0 ${first <= 1 ? 'met' : 'missed'}), image ${size.toFixed(2)}× (goal ≤ 1.0 ${size <= 1 ? 'met' : 'missed'})`,
    );
  }
}

await main();
