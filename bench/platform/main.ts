// npm run bench:platform — the router measured where users are: `npm start`'s launcher, an app
// pushed with git, wrk through the router. In one run:
//  1. decay: the same router run repeated back to back (it must not slow down or fail);
//  2. the router against nginx proxying to the same container port the same way (keep-alive
//     upstream), and nginx doing the router's per-request work (nginx-eq), in interleaved rounds,
//     medians compared, with the backend connections the app received and its CPU per request;
//  3. a soak: load through the router on web=3 with a deploy and a scale 3 → 1 → 3 during it,
//     failed requests counted, a single request's latency and every platform process's
//     descriptors and memory before, at each tenth of it and after.
// Everything on 127.0.0.1, bounded in time, stopped at the end.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import Docker from 'dockerode';
import { userlandProxyEnabled } from '../../common/docker-engine-settings.js';
import { freePort } from '../../common/ports.js';
import { ensureDefaultCertificate } from '../../router/default-certificate.js';
import { readRunningDockerd } from '../../supervisor/host-setup.js';
import { api, commitAll, editFile, fixtureRepo, git, gitUrl, newHome, platformEnv, startPlatform, viaRouter, waitFor, type RunningPlatform } from '../../test/e2e/harness.js';
import { readProcStats } from '../support/cpu.js';
import { nginxProxyConfig, nginxRouterWorkConfig } from '../support/proxy-configs.js';
import { INSTANCE_LABELS } from '../../common/labels.js';
import { startServerProcess } from '../support/servers.js';
import { median, medianResult, runWrk, type WrkResult } from '../support/wrk.js';
import { platformPids, readAllUsage, usageReport, usageTotals } from './processes.js';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const DECAY_RUNS = Number(process.env.BENCH_DECAY_RUNS ?? 10);
const SOAK_S = Number(process.env.BENCH_SOAK_S ?? 600);
const APP = 'bench-load';
const LABEL_APP = INSTANCE_LABELS.app;

type Target = 'router' | 'nginx' | 'nginx-eq' | 'direct';

interface Run {
  result: WrkResult;
  /** CPU the app's container spent per request, µs. */
  appCpuUs: number;
}

const docker = new Docker();

async function appContainers(): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ filters: { label: [`${LABEL_APP}=${APP}`], status: ['running'] } });
}

/** CPU nanoseconds the app's containers have used so far (Docker's stats: cgroup v1 and v2 alike). */
async function appCpuNs(): Promise<number> {
  const stats = await Promise.all((await appContainers()).map((info) => docker.getContainer(info.Id).stats({ stream: false })));
  return stats.reduce((sum, stat) => sum + stat.cpu_stats.cpu_usage.total_usage, 0);
}

/** The published host port of the app's only container: what the router dials. */
async function publishedPort(): Promise<number> {
  const [container, ...more] = await appContainers();
  if (!container || more.length > 0) throw new Error(`expected one container of ${APP}, found ${more.length + (container ? 1 : 0)}`);
  const port = container.Ports.find((p) => p.PublicPort && p.IP === '127.0.0.1');
  if (!port) throw new Error(`${APP}'s container publishes no port on 127.0.0.1`);
  return port.PublicPort;
}

function load(url: string, host: string | undefined, durationSeconds = DURATION_S): Promise<WrkResult> {
  return runWrk({ url, threads: 1, connections: CONNECTIONS, durationSeconds, headers: host ? { Host: host } : {} });
}

async function measuredLoad(url: string, host: string | undefined): Promise<Run> {
  const before = await appCpuNs();
  const result = await load(url, host);
  const after = await appCpuNs();
  return { result, appCpuUs: result.requests ? (after - before) / 1000 / result.requests : 0 };
}

/** Milliseconds for one GET through the router on a new connection, as a lone user sees it. */
function oneRequestMs(platform: RunningPlatform): Promise<number> {
  const router = new URL(platform.endpoints.router);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = httpRequest({ host: router.hostname, port: router.port, path: '/', headers: { host: `${APP}.${platform.endpoints.appsDomain}` }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - started) : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

async function singleRequestLatency(platform: RunningPlatform): Promise<{ medianMs: number; maxMs: number }> {
  const samples: number[] = [];
  for (let i = 0; i < 20; i++) {
    samples.push(await oneRequestMs(platform));
    await sleep(50);
  }
  return { medianMs: median(samples), maxMs: Math.max(...samples) };
}

/** Access log lines the router has published to the apps' log streams so far. */
async function publishedLogLines(metricsPort: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  return Number(/^slipway_router_access_log_lines_total\{result="published"\} (\d+)/m.exec(text)?.[1] ?? 0);
}

function describeRun(result: WrkResult): string {
  return `${result.requestsPerSecond.toFixed(0).padStart(7)} req/s  p50 ${result.p50Ms.toFixed(2).padStart(6)} ms  p99 ${result.p99Ms.toFixed(2).padStart(7)} ms  errors ${result.errors}`;
}

async function main(): Promise<void> {
  const stops: (() => Promise<void>)[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'slipway-bench-platform-'));
  stops.push(() => rm(dir, { recursive: true, force: true }));
  try {
    const home = await newHome();
    stops.push(() => rm(home, { recursive: true, force: true }));
    const env = await platformEnv(home);
    console.log('starting the platform (and the stack, if it is not built yet)...');
    const platform = await startPlatform(env);
    stops.push(() => platform.stop());
    const running = await readRunningDockerd();
    const proxy = running === null ? 'unknown (no dockerd visible)' : userlandProxyEnabled(running) ? "on: docker-proxy in the data path" : 'off: published ports through iptables DNAT';
    console.log(`Docker Engine userland proxy: ${proxy}`);

    const call = api(platform.endpoints);
    const created = await call('POST', '/apps', { name: APP });
    if (created.status !== 201) throw new Error(`creating ${APP}: ${created.status} ${JSON.stringify(created.body)}`);
    const repo = await fixtureRepo('e2e-hello');
    stops.push(() => rm(repo, { recursive: true, force: true }));
    const push = async () => {
      const pushed = await git(repo, ['push', '--force', gitUrl(platform.endpoints, APP), 'HEAD:main']);
      if (pushed.code !== 0) throw new Error(`git push failed:\n${pushed.out}`);
    };
    await push();
    await waitFor(`${APP} served`, async () => (await viaRouter(platform.endpoints, APP)).status === 200, 120_000);

    const host = `${APP}.${platform.endpoints.appsDomain}`;
    const port = await publishedPort();
    const certificate = join(dir, 'cert.pem');
    await ensureDefaultCertificate(certificate, 'localhost');
    const peers: Record<Exclude<Target, 'router' | 'direct'>, number> = { nginx: 0, 'nginx-eq': 0 };
    for (const name of ['nginx', 'nginx-eq'] as const) {
      const peerDir = join(dir, name);
      await mkdir(peerDir, { recursive: true });
      const options = { dir: peerDir, workers: 1, port: await freePort(), tlsPort: await freePort(), certificate, backendPort: port, http2: false };
      const config = name === 'nginx' ? nginxProxyConfig(options) : nginxRouterWorkConfig({ ...options, hostname: host });
      await writeFile(join(peerDir, 'nginx.conf'), config);
      await startServerProcess(name, ['nginx', '-c', join(peerDir, 'nginx.conf'), '-p', peerDir], options.port, stops);
      peers[name] = options.port;
    }
    const urls: Record<Target, string> = {
      router: `${platform.endpoints.router}/`,
      nginx: `http://127.0.0.1:${peers.nginx}/`,
      'nginx-eq': `http://127.0.0.1:${peers['nginx-eq']}/`,
      direct: `http://127.0.0.1:${port}/`,
    };
    console.log(`app ${APP} (test/fixtures/e2e-hello, web=1, basic size) published on 127.0.0.1:${port}`);
    console.log(`wrk -t1 -c${CONNECTIONS} -d${DURATION_S}s; nginx and nginx-eq: one worker, keep-alive upstream (64) to the same container port`);
    for (const target of Object.keys(urls) as Target[]) await load(urls[target], host, 2);

    // 1. The same router run, back to back: it must not decay.
    console.log(`\n1. decay: ${DECAY_RUNS} router runs back to back`);
    const decay: WrkResult[] = [];
    const linesBefore = await publishedLogLines(env.SLIPWAY_ROUTER_METRICS_PORT!);
    for (let i = 0; i < DECAY_RUNS; i++) {
      decay.push(await load(urls.router, host));
      console.log(`  run ${String(i + 1).padStart(2)}  ${describeRun(decay.at(-1)!)}`);
    }
    const rates = decay.map((run) => run.requestsPerSecond);
    const decayErrors = decay.reduce((sum, run) => sum + run.errors, 0);
    // One run on this kind of machine swings by ±15%; a decay shows as the later half's median
    // falling below the earlier half's.
    const half = Math.floor(rates.length / 2);
    const laterOverEarlier = (median(rates.slice(-half)) / median(rates.slice(0, half))).toFixed(2);
    console.log(
      `  decay: median of the last ${half} / of the first ${half} ${laterOverEarlier}, last/first ${(rates.at(-1)! / rates[0]!).toFixed(2)}, min/max ${(Math.min(...rates) / Math.max(...rates)).toFixed(2)}, errors ${decayErrors}`,
    );
    await sleep(2_000); // the last lines are batched for a moment before they are published
    const decayRequests = decay.reduce((sum, run) => sum + run.requests, 0);
    const published = (await publishedLogLines(env.SLIPWAY_ROUTER_METRICS_PORT!)) - linesBefore;
    console.log(`  access log lines published to the app's log stream: ${published} for ${decayRequests} requests`);

    // 2. Router against nginx to the same container, rounds interleaved.
    console.log(`\n2. router vs nginx to the same container: medians of ${ROUNDS} rounds, targets taking turns`);
    const connections = async () => (JSON.parse((await viaRouter(platform.endpoints, APP, '/connections')).body) as { connections: number }).connections;
    const runs = new Map<Target, Run[]>();
    let routerRequests = 0;
    let backendConnections = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (const target of Object.keys(urls) as Target[]) {
        const before = target === 'router' ? await connections() : 0;
        const run = await measuredLoad(urls[target], target === 'direct' ? undefined : host);
        if (target === 'router') {
          routerRequests += run.result.requests;
          // the /connections request after the run is not load: it reuses a pooled connection, or counts one
          backendConnections += (await connections()) - before;
        }
        runs.set(target, [...(runs.get(target) ?? []), run]);
      }
    }
    const medians = new Map<Target, WrkResult>();
    for (const [target, targetRuns] of runs) {
      const result = medianResult(targetRuns.map((run) => run.result));
      medians.set(target, result);
      const spread = targetRuns.map((run) => (run.result.requestsPerSecond / 1000).toFixed(1)).join('/');
      console.log(`  ${target.padEnd(9)}${describeRun(result)}  app CPU ${median(targetRuns.map((run) => run.appCpuUs)).toFixed(1)} µs/request  (rounds: ${spread}k)`);
    }
    console.log(
      `  new backend connections during the router runs: ${backendConnections} for ${routerRequests} requests (${((100 * backendConnections) / Math.max(routerRequests, 1)).toFixed(3)}%, health checks included)`,
    );

    // 3. Soak on web=3 with a deploy and a scale 3 → 1 → 3 during it.
    console.log(`\n3. soak: ${SOAK_S} s through the router on web=3, a deploy at 20%, scale 3 → 1 at 50%, → 3 after that`);
    const scale = async (quantity: number) => {
      const res = await call('PATCH', `/apps/${APP}/formation`, { updates: [{ type: 'web', quantity }] });
      if (res.status !== 200) throw new Error(`scale to ${quantity}: ${res.status} ${JSON.stringify(res.body)}`);
      await waitFor(`${quantity} web instances up`, async () => {
        const dynos = (await call('GET', `/apps/${APP}/dynos`)).body as { state: string }[];
        return dynos.length === quantity && dynos.every((dyno) => dyno.state === 'up');
      }, 180_000);
    };
    await scale(3);
    await sleep(5_000);
    const latencyBefore = await singleRequestLatency(platform);
    const usageBefore = await readAllUsage(platformPids(await readProcStats(), platform.pid));
    const soakStarted = performance.now();
    const soak = load(urls.router, host, SOAK_S);
    const at = async (fraction: number) => sleep(Math.max(0, soakStarted + fraction * SOAK_S * 1000 - performance.now()));
    const events: string[] = [];
    const mark = (what: string) => events.push(`  ${((performance.now() - soakStarted) / 1000).toFixed(0).padStart(4)} s  ${what}`);
    // Descriptors and memory of the platform's processes at every tenth of the soak.
    const usageSamples = [usageBefore];
    const sampling = (async () => {
      for (let tenth = 1; tenth <= 10; tenth++) {
        await at(tenth / 10);
        usageSamples.push(await readAllUsage(usageBefore.map((entry) => entry.pid)));
      }
    })();
    await at(0.2);
    mark('git push (v2) started');
    await editFile(repo, 'server.js', (text) => text.replace("const VERSION = 'v1'", "const VERSION = 'v2'"));
    await commitAll(repo, 'v2');
    await push();
    mark('git push (v2) done: deployed');
    await at(0.5);
    mark('scale web=1');
    await scale(1);
    mark('web=1 up; scale web=3');
    await scale(3);
    mark('web=3 up');
    const soakResult = await soak;
    await sampling;
    for (const event of events) console.log(event);
    console.log(`  soak: ${soakResult.requests} requests, ${describeRun(soakResult)}`);
    await sleep(10_000);
    const latencyAfter = await singleRequestLatency(platform);
    const usageAfter = await readAllUsage(platformPids(await readProcStats(), platform.pid));
    const served = (await viaRouter(platform.endpoints, APP)).body.trim();
    console.log(`  after the soak: "${served}"`);
    console.log(
      `  one request on a new connection (median of 20 / max): before ${latencyBefore.medianMs.toFixed(2)} / ${latencyBefore.maxMs.toFixed(2)} ms, after ${latencyAfter.medianMs.toFixed(2)} / ${latencyAfter.maxMs.toFixed(2)} ms`,
    );
    console.log('  platform processes: before the soak, at each tenth of it, 10 s after it:');
    for (const line of usageReport([...usageSamples, usageAfter])) console.log(line);
    const totals = usageTotals(usageBefore, usageAfter);
    console.log(
      `  total: fds ${totals.fds[0]} → ${totals.fds[1]}, RSS ${(totals.rssKiB[0] / 1024).toFixed(0)} → ${(totals.rssKiB[1] / 1024).toFixed(0)} MiB`,
    );

    const router = medians.get('router')!;
    const ratio = (peer: Target) => {
      const other = medians.get(peer)!;
      return `throughput ${(router.requestsPerSecond / other.requestsPerSecond).toFixed(2)} p99 ${(router.p99Ms / other.p99Ms).toFixed(2)}`;
    };
    console.log(`\ndecay over ${DECAY_RUNS} runs: later/earlier half ${laterOverEarlier}, errors ${decayErrors}; soak: ${soakResult.errors} failed of ${soakResult.requests}`);
    console.log(`platform/nginx-eq: ${ratio('nginx-eq')}`);
    console.log(`platform/nginx: ${ratio('nginx')}`);
  } finally {
    for (const stop of stops.reverse()) await stop().catch((err: Error) => console.error(`cleanup: ${err.message}`));
  }
}

await main();
