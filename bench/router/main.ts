// npm run bench:router — the same nginx backend and the same wrk load through (a) no proxy,
// (b) nginx as a reverse proxy, (c) nginx doing the router's per-request work, (d) plain
// HAProxy, (e–g) Caddy, Traefik and kamal-proxy doing the router's per-request work (the Go ones
// built on demand, bench/support/go-peers.ts), (h) Slipway's router; small and 1 MiB responses,
// HTTP and HTTPS; one worker/thread per proxy. Everything on 127.0.0.1, in temp dirs, bounded in
// time, stopped at the end. Each case runs ROUNDS times, the targets taking turns, and the medians
// are compared: on a shared 2-core machine one 4 s run of the same server varies by ±30%. Prints
// throughput, p50, p99, the CPU each proxy spent per request, the router with its access-log path
// on and off, and router/<peer> ratios last.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { connect } from 'nats';
import { silentLogger } from '../../common/logger.js';
import { freePort } from '../../common/ports.js';
import { encode, sharedKeys, subjects } from '../../common/protocol.js';
import { startNats, startRedis } from '../../supervisor/services.js';
import { loadControlPlaneConfig } from '../../control-plane/config.js';
import { ensureLogStream, LOG_STREAM, MAX_LINES_PER_APP } from '../../control-plane/logs/stream.js';
import { loadRouterConfig } from '../../router/config.js';
import { ensureDefaultCertificate } from '../../router/default-certificate.js';
import { startRouter, type RunningRouter } from '../../router/router.js';
import { nginxBackendConfig, nginxProxyConfig, nginxRouterWorkConfig, plainHaproxyConfig } from '../support/proxy-configs.js';
import { readProcStats, treeCpuSeconds, type CpuProbe } from '../support/cpu.js';
import { startCaddy, startKamalProxy, startTraefik, type Peer, type PeerSetup } from '../support/peers.js';
import { startServerProcess } from '../support/servers.js';
import { median, medianResult, runWrk, type WrkResult } from '../support/wrk.js';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 4);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WORKERS = 1;
const HOST = 'bench.localhost';
const BENCH_APP_ID = 'app-bench';

const TARGETS = ['direct', 'nginx', 'nginx-eq', 'haproxy', 'caddy', 'traefik', 'kamal-proxy', 'router'] as const;
type Target = (typeof TARGETS)[number];
/** BENCH_TARGETS=nginx-eq,router measures only those (quick looks); the router is always measured. */
const CHOSEN = new Set<Target>(
  process.env.BENCH_TARGETS ? [...(process.env.BENCH_TARGETS.split(',') as Target[]).filter((name) => TARGETS.includes(name)), 'router'] : TARGETS,
);
/** The peers the last lines compare the router with, in that order. */
const COMPARED: readonly Target[] = ['nginx', 'nginx-eq', 'caddy', 'traefik', 'kamal-proxy'];
interface Endpoint {
  http: number;
  https: number;
}

/** Where each target spends CPU: the proxy's processes and, for the router, its controller. */
interface TargetCpu {
  proxy?: CpuProbe;
  /** The router's controller runs in this process. */
  controllerInThisProcess?: boolean;
}

interface Measured {
  result: WrkResult;
  /** CPU microseconds per request, by part. */
  cpuPerRequestUs: { proxy?: number; controller?: number };
}

async function measure(url: string, cpu: TargetCpu): Promise<Measured> {
  const before = cpu.proxy ? await readProcStats() : [];
  // This process's own CPU is read right around the run, so scanning /proc is not counted in it.
  const ownBefore = process.cpuUsage();
  const result = await runRouterWrk(url);
  const own = process.cpuUsage(ownBefore);
  const after = cpu.proxy ? await readProcStats() : [];
  const perRequest = (seconds: number) => (result.requests === 0 ? undefined : (seconds * 1e6) / result.requests);
  return {
    result,
    cpuPerRequestUs: {
      proxy: cpu.proxy ? perRequest(treeCpuSeconds(after, cpu.proxy.roots, cpu.proxy.withDescendants) - treeCpuSeconds(before, cpu.proxy.roots, cpu.proxy.withDescendants)) : undefined,
      controller: cpu.controllerInThisProcess ? perRequest((own.user + own.system) / 1e6) : undefined,
    },
  };
}

function cpuSummary(runs: Measured[]): string {
  const part = (key: keyof Measured['cpuPerRequestUs']) => {
    const values = runs.map((run) => run.cpuPerRequestUs[key]).filter((value): value is number => value !== undefined);
    return values.length ? median(values) : undefined;
  };
  const proxy = part('proxy');
  const controller = part('controller');
  if (proxy === undefined) return '';
  return `  cpu/request ${proxy.toFixed(1)} µs${controller === undefined ? '' : ` + controller ${controller.toFixed(1)} µs`}`;
}

function runRouterWrk(url: string, durationSeconds = DURATION_S, connections = CONNECTIONS): Promise<WrkResult> {
  return runWrk({ url, threads: 1, connections, durationSeconds, headers: { Host: HOST } });
}

/** Why a target cannot be measured at this URL (wrk gets no clean answers), or null when it can. */
async function probe(url: string): Promise<string | null> {
  const result = await runRouterWrk(url, 1, 2).catch((err: Error) => err);
  if (result instanceof Error) return result.message.split('\n')[0]!;
  return result.requests > 0 && result.errors === 0 ? null : `${result.requests} answers, ${result.errors} errors in a 1 s probe`;
}

function ratio(router: WrkResult, peer: WrkResult | undefined): { throughput: string; p99: string } {
  if (!peer) return { throughput: 'n/a', p99: 'n/a' };
  return { throughput: (router.requestsPerSecond / peer.requestsPerSecond).toFixed(2), p99: (router.p99Ms / peer.p99Ms).toFixed(2) };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-bench-router-'));
  // nginx workers run unprivileged: they must be able to read the backend's files.
  await chmod(dir, 0o755);
  const stops: (() => Promise<void>)[] = [];
  try {
    const certificate = join(dir, 'cert.pem');
    await ensureDefaultCertificate(certificate, 'localhost');
    await mkdir(join(dir, 'backend', 'www'), { recursive: true });
    await writeFile(join(dir, 'backend', 'www', 'big'), randomBytes(1024 * 1024));

    const backend: Endpoint = { http: await freePort(), https: await freePort() };
    await writeFile(join(dir, 'backend', 'nginx.conf'), nginxBackendConfig({ dir: join(dir, 'backend'), workers: WORKERS, port: backend.http, tlsPort: backend.https, certificate }));
    await startServerProcess('backend', ['nginx', '-c', join(dir, 'backend', 'nginx.conf'), '-p', join(dir, 'backend')], backend.http, stops);

    const nginx: Endpoint = { http: await freePort(), https: await freePort() };
    await mkdir(join(dir, 'nginx'), { recursive: true });
    await writeFile(
      join(dir, 'nginx', 'nginx.conf'),
      nginxProxyConfig({ dir: join(dir, 'nginx'), workers: WORKERS, port: nginx.http, tlsPort: nginx.https, certificate, backendPort: backend.http, http2: true }),
    );
    const nginxPid = await startServerProcess('nginx-proxy', ['nginx', '-c', join(dir, 'nginx', 'nginx.conf'), '-p', join(dir, 'nginx')], nginx.http, stops);

    const nginxEq: Endpoint = { http: await freePort(), https: await freePort() };
    await mkdir(join(dir, 'nginx-eq'), { recursive: true });
    await writeFile(
      join(dir, 'nginx-eq', 'nginx.conf'),
      nginxRouterWorkConfig({ dir: join(dir, 'nginx-eq'), workers: WORKERS, port: nginxEq.http, tlsPort: nginxEq.https, certificate, backendPort: backend.http, http2: true, hostname: HOST }),
    );
    const nginxEqPid = await startServerProcess('nginx-eq', ['nginx', '-c', join(dir, 'nginx-eq', 'nginx.conf'), '-p', join(dir, 'nginx-eq')], nginxEq.http, stops);

    const haproxy: Endpoint = { http: await freePort(), https: await freePort() };
    await writeFile(join(dir, 'haproxy.cfg'), plainHaproxyConfig({ threads: WORKERS, port: haproxy.http, tlsPort: haproxy.https, certificate, backendPort: backend.http }));
    const haproxyPid = await startServerProcess('haproxy', ['haproxy', '-f', join(dir, 'haproxy.cfg')], haproxy.http, stops);

    const peerSetup = async (name: string): Promise<PeerSetup> => ({
      dir: join(dir, name),
      certificate,
      backendPort: backend.http,
      hostname: HOST,
      healthCheckPath: '/small',
      ports: { http: await freePort(), https: await freePort() },
      stops,
    });
    const peerStarters: [Target, (setup: PeerSetup) => Promise<Peer>][] = [
      ['caddy', startCaddy],
      ['traefik', startTraefik],
      ['kamal-proxy', startKamalProxy],
    ];
    const peers: Partial<Record<Target, Peer>> = {};
    for (const [name, start] of peerStarters) {
      if (CHOSEN.has(name)) peers[name] = await start(await peerSetup(name)).catch((err: Error) => ({ skipped: err.message }));
    }
    for (const [name, peer] of Object.entries(peers) as [Target, Peer][]) {
      if ('skipped' in peer) console.log(`${name}: left out: ${peer.skipped}`);
    }

    const redisService = await startRedis({ dataDir: join(dir, 'redis'), port: await freePort() });
    stops.push(() => redisService.stop());
    const natsService = await startNats({ dataDir: join(dir, 'nats'), port: await freePort() });
    stops.push(() => natsService.stop());
    // The access lines go where the platform keeps them: the route carries an app id (without one
    // the router publishes nothing) and the log stream exists with the control plane's limits.
    const nc = await connect({ servers: natsService.url });
    stops.push(() => nc.close());
    const platformDefaults = loadControlPlaneConfig({ SLIPWAY_REDIS_URL: redisService.url, SLIPWAY_NATS_URL: natsService.url, SLIPWAY_REGISTRY: '127.0.0.1:5000' });
    await ensureLogStream(nc, platformDefaults.logStream);
    const redis = new Redis(redisService.url);
    stops.push(async () => void redis.disconnect());
    const route = { appName: 'bench', appId: BENCH_APP_ID, hostnames: [HOST], backends: [{ instanceId: 'bench.web.1', address: '127.0.0.1', port: backend.http }] };
    await redis.hset(sharedKeys.routes, 'bench', JSON.stringify(route));
    const routerConfig = (name: string) =>
      loadRouterConfig({
        SLIPWAY_REDIS_URL: redisService.url,
        SLIPWAY_NATS_URL: natsService.url,
        SLIPWAY_ROUTER_HTTP_PORT: '0',
        SLIPWAY_ROUTER_HTTPS_PORT: '0',
        SLIPWAY_ROUTER_METRICS_PORT: '0',
        SLIPWAY_ROUTER_STATE_DIR: join(dir, name),
        SLIPWAY_ROUTER_WORKERS: String(WORKERS),
        SLIPWAY_ROUTER_DEFAULT_CERT: certificate,
      });
    const router = await startRouter(routerConfig('router'), silentLogger());
    stops.push(() => router.stop());
    // The same router with HAProxy logging nothing: what the access-log path costs, measured apart.
    const quietRouter = await startRouter(routerConfig('router-no-access-log'), silentLogger(), { accessLog: false });
    stops.push(() => quietRouter.stop());
    const tree = (pid: number): CpuProbe => ({ roots: [pid], withDescendants: true });
    const endpoints = new Map<Target, Endpoint>([
      ['direct', backend],
      ['nginx', nginx],
      ['nginx-eq', nginxEq],
      ['haproxy', haproxy],
    ]);
    const cpu = new Map<Target, TargetCpu>([
      ['direct', {}],
      ['nginx', { proxy: tree(nginxPid) }],
      ['nginx-eq', { proxy: tree(nginxEqPid) }],
      ['haproxy', { proxy: tree(haproxyPid) }],
    ]);
    for (const [name, peer] of Object.entries(peers) as [Target, Peer][]) {
      if ('skipped' in peer) continue;
      endpoints.set(name, peer);
      cpu.set(name, { proxy: tree(peer.pid) });
    }
    endpoints.set('router', { http: router.httpPort, https: router.httpsPort });
    cpu.set('router', { proxy: tree(router.haproxyPid), controllerInThisProcess: true });

    console.log(
      `wrk -t1 -c${CONNECTIONS} -d${DURATION_S}s, ${WORKERS} worker/thread per server, backend nginx (/small: 6 bytes, /big: 1 MiB); medians of ${ROUNDS} rounds, targets taking turns`,
    );
    console.log('nginx-eq, caddy, traefik, kamal-proxy: doing the router\'s per-request work (Host route, request id, X-Forwarded-*, access log to a file) with the route fixed in their config; Go peers with GOMAXPROCS=1');
    // Warm-up, and a probe per scheme: a target that cannot serve a scheme here is left out of it, with the reason.
    const measurable = new Map<'http' | 'https', Target[]>();
    for (const scheme of ['http', 'https'] as const) {
      const targets: Target[] = [];
      for (const [target, endpoint] of endpoints) {
        if (!CHOSEN.has(target)) continue;
        const problem = await probe(`${scheme}://127.0.0.1:${endpoint[scheme]}/small`);
        if (problem) console.log(`${target} ${scheme}: left out: ${problem}`);
        else targets.push(target);
      }
      measurable.set(scheme, targets);
    }

    const printResult = (label: string, targetRuns: Measured[]) => {
      const result = medianResult(targetRuns.map((run) => run.result));
      const spread = targetRuns.map((run) => (run.result.requestsPerSecond / 1000).toFixed(1)).join('/');
      console.log(
        `${label} ${result.requestsPerSecond.toFixed(0).padStart(8)} req/s  p50 ${result.p50Ms.toFixed(2).padStart(6)} ms  p99 ${result.p99Ms.toFixed(2).padStart(6)} ms${cpuSummary(targetRuns)}  (rounds: ${spread}k req/s)${result.errors ? `  errors ${result.errors}` : ''}`,
      );
      return result;
    };
    const results = new Map<string, WrkResult>();
    for (const scheme of ['http', 'https'] as const) {
      for (const path of ['small', 'big'] as const) {
        const runs = new Map<Target, Measured[]>();
        for (let round = 0; round < ROUNDS; round++) {
          for (const target of measurable.get(scheme)!) {
            const measured = await measure(`${scheme}://127.0.0.1:${endpoints.get(target)![scheme]}/${path}`, cpu.get(target)!);
            runs.set(target, [...(runs.get(target) ?? []), measured]);
          }
        }
        for (const [target, targetRuns] of runs) results.set(`${path} ${scheme} ${target}`, printResult(`${path.padEnd(5)} ${scheme.padEnd(5)} ${target.padEnd(11)}`, targetRuns));
      }
    }

    // The access-log path (HAProxy's log line, the ring, the controller's reading, formatting,
    // metrics and publishing to NATS) on and off, small responses over HTTP, in turns.
    const accessLogRuns = new Map<string, Measured[]>();
    const accessLogCases: [string, RunningRouter][] = [
      ['access log on ', router],
      ['access log off', quietRouter],
    ];
    for (let round = 0; round < ROUNDS; round++) {
      for (const [label, running] of accessLogCases) {
        const measured = await measure(`http://127.0.0.1:${running.httpPort}/small`, { proxy: tree(running.haproxyPid), controllerInThisProcess: true });
        accessLogRuns.set(label, [...(accessLogRuns.get(label) ?? []), measured]);
      }
    }
    const logOn = printResult('router, small http, access log on ', accessLogRuns.get(accessLogCases[0]![0])!);
    const logOff = printResult('router, small http, access log off', accessLogRuns.get(accessLogCases[1]![0])!);
    console.log(`access log on/off: throughput ${(logOn.requestsPerSecond / logOff.requestsPerSecond).toFixed(2)} p99 ${(logOn.p99Ms / logOff.p99Ms).toFixed(2)}`);

    // Route changes: from publishing a new app to the router serving it.
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const appRoute = { appName: `live-${i}`, hostnames: [`live-${i}.localhost`], backends: route.backends };
      await redis.hset(sharedKeys.routes, appRoute.appName, JSON.stringify(appRoute));
      const started = performance.now();
      nc.publish(subjects.routeChanged, encode(appRoute));
      while (!(await served(router.httpPort, `live-${i}.localhost`)) && performance.now() - started < 5_000) await sleep(1);
      latencies.push(performance.now() - started);
    }
    const stored = await (await nc.jetstreamManager()).streams.info(LOG_STREAM, { subjects_filter: subjects.logs(BENCH_APP_ID) });
    console.log(`access lines kept in the log stream: ${stored.state.messages} batches, ${(stored.state.bytes / 1e6).toFixed(1)} MB (the newest ${MAX_LINES_PER_APP} batches per app are kept)`);
    latencies.sort((a, b) => a - b);
    console.log(`route change → served: p50 ${latencies[10]!.toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms (20 new apps, no reload)`);

    for (const scheme of ['http', 'https'] as const) {
      for (const path of ['small', 'big'] as const) {
        const r = results.get(`${path} ${scheme} router`);
        if (!r) continue;
        const each = COMPARED.map((peer) => {
          const { throughput, p99 } = ratio(r, results.get(`${path} ${scheme} ${peer}`));
          return `${peer} ${throughput}/${p99}`;
        });
        console.log(`router/peer ${path} ${scheme} (throughput/p99): ${each.join(', ')}`);
      }
    }
    // The last lines: small responses over HTTP, router ÷ each peer.
    const r = results.get('small http router')!;
    for (const peer of COMPARED) {
      const { throughput, p99 } = ratio(r, results.get(`small http ${peer}`));
      console.log(`router/${peer}: throughput ${throughput} p99 ${p99}`);
    }
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

function served(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    import('node:http').then(({ request }) => {
      const req = request({ host: '127.0.0.1', port, path: '/small', headers: { host }, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200));
      });
      req.on('error', () => resolve(false));
      req.end();
    });
  });
}

await main();
