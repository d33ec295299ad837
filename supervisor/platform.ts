// The whole single-node platform: host setup, Slipway's own Redis/NATS/registry, then the
// control plane (which runs the local hosts' agents) and the router, as child processes.
import { mkdir, writeFile } from 'node:fs/promises';
import { connect as connectTcp } from 'node:net';
import { join } from 'node:path';
import { compiledEntry } from '../common/entry-points.js';
import { ensureDockerEngine, ensurePackages, type DockerEngine } from './host-setup.js';
import { CONTROL_PLANE_NATS_USER, ROUTER_NATS_USER } from '../common/nats-auth.js';
import { natsUrlWithCredentials } from '../common/nats-url.js';
import { adminToken, adminTokenFile } from './admin-token.js';
import { forgetPids, pidRecorder, stopLeftovers } from './leftovers.js';
import { componentEnvironments } from './component-env.js';
import { keptRendezvousCertificate, keptSecret, registryLogin } from './service-secrets.js';
import { startLocalBackupsStore } from './s3-server.js';
import { waitForLocalAgents } from './local-agents.js';
import { freePort } from '../common/ports.js';
import { REGISTRY_TOKEN_ISSUER, REGISTRY_TOKEN_PATH, REGISTRY_TOKEN_SERVICE } from '../common/registry-token.js';
import { initialAuthorization, platformNatsPasswords } from './nats-users.js';
import type { SupervisorConfig } from './config.js';
import type { LineFormatter } from './log-format.js';
import { PLATFORM_PACKAGES } from './packages.js';
import { startNats, startRedis, startRegistry, type RunningService } from './services.js';
import { SupervisedProcess } from '../common/supervised-process.js';
import { describeError } from '../common/errors.js';
import { runShutdownSteps, type ShutdownStep } from '../common/shutdown-steps.js';

export interface Endpoints {
  api: string;
  git: string;
  /** The API and git over TLS (the platform's own certificate: `tlsCertificate`), as Heroku's git remotes want them. */
  apiTls: string;
  /** The certificate of the platform's own TLS ports (API, rendezvous), for clients to trust. */
  tlsCertificate: string;
  router: string;
  appsDomain: string;
  token: string;
}

export interface Platform {
  endpoints: Endpoints;
  stop(): Promise<void>;
}

const entry = (path: string) => compiledEntry(import.meta.url, path);

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTcp({ host: '127.0.0.1', port });
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

async function stackReady(api: string): Promise<boolean> {
  const response = await fetch(`${api}/healthz`);
  if (!response.ok) return false;
  return ((await response.json()) as { stack?: string }).stack === 'ready';
}

export async function startPlatform(config: SupervisorConfig, print: (line: string) => void, format: LineFormatter): Promise<Platform> {
  // what started is stopped in reverse, each step whatever the others do
  const stoppers: ShutdownStep[] = [];
  const stopAll = async () => {
    await runShutdownSteps(stoppers.splice(0).reverse(), (name, err) => print(`slipway: stopping ${name} failed: ${describeError(err)}`));
    forgetPids(config.home);
  };
  try {
    await mkdir(config.home, { recursive: true, mode: 0o700 });
    const leftovers = await stopLeftovers(config.home);
    if (leftovers.length > 0) print(`stopped what an earlier start left running: ${leftovers.join(', ')}`);
    const recordPid = pidRecorder(config.home);
    ensurePackages(PLATFORM_PACKAGES, print);
    const engine: DockerEngine = await ensureDockerEngine(config.dirs.logs, print);
    stoppers.push({ name: 'the Docker Engine', run: () => engine.stop(), timeoutMs: 25_000 });

    const serviceLog = (name: string) => (line: string, stream: 'stdout' | 'stderr') => {
      // Services are quiet unless something is wrong: show their stderr only.
      if (stream === 'stderr' && !/^\s*$/.test(line)) print(format(name, line));
    };
    // Slipway's own services are restarted when they die, with the same backoff as the components.
    const supervise = (line: string) => print(`slipway: ${line}`);
    const own = async (name: string, start: () => Promise<RunningService>) => {
      print(`starting ${name}`);
      const service = await start();
      stoppers.push({ name, run: () => service.stop() });
      return service.url;
    };
    // Slipway's own Redis and registry want credentials: any local user could otherwise make
    // themselves an operator, or pull every app's image.
    const redisUrl =
      config.external.redisUrl ??
      (await own('redis', async () =>
        startRedis({
          dataDir: config.dirs.redis,
          port: config.ports.redis,
          maxMemoryMb: config.redisMaxMemoryMb,
          onLine: serviceLog('redis'),
          supervise,
          onSpawn: recordPid(1, 'redis'),
          auth: { password: await keptSecret(join(config.dirs.secrets, 'redis-password')) },
        }),
      ));
    // Slipway's own NATS enforces users: the control plane, the router and one per host.
    const natsAuth = config.external.natsUrl
      ? null
      : {
          authFile: join(config.dirs.nats, 'auth.conf'),
          pidFile: join(config.dirs.nats, 'nats.pid'),
          platformUsersFile: join(config.dirs.nats, 'platform-users.json'),
        };
    const passwords = natsAuth ? await platformNatsPasswords(natsAuth.platformUsersFile) : null;
    const natsServer =
      config.external.natsUrl ??
      (await own('nats', () =>
        startNats({
          dataDir: config.dirs.nats,
          port: config.ports.nats,
          onLine: serviceLog('nats'),
          supervise,
          onSpawn: recordPid(2, 'nats'),
          auth: { authFile: natsAuth!.authFile, pidFile: natsAuth!.pidFile, initialAuthorization: initialAuthorization(passwords!) },
        }),
      ));
    const natsUrlFor = (user: string, password: string | undefined) => (password ? natsUrlWithCredentials(natsServer, user, password) : natsServer);
    const login = config.external.registry ? null : await registryLogin(join(config.dirs.secrets, 'registry'), `127.0.0.1:${config.ports.registry}`);
    const registry =
      config.external.registry ??
      (await own('registry', () =>
        startRegistry({
          dataDir: config.dirs.registry,
          port: config.ports.registry,
          onLine: serviceLog('registry'),
          supervise,
          onSpawn: recordPid(3, 'registry'),
          // Docker's token auth, the control plane the token server: users push their apps' images with their API token.
          auth: {
            kind: 'token',
            realm: `http://127.0.0.1:${config.ports.api}${REGISTRY_TOKEN_PATH}`,
            service: REGISTRY_TOKEN_SERVICE,
            issuer: REGISTRY_TOKEN_ISSUER,
            rootCertBundle: login!.tokenKeys.certFile,
          },
        }),
      ));

    // PostgreSQL add-ons' backups into a local S3-compatible store, when asked (development: moto keeps objects in memory)
    let backupsEnv: Record<string, string> = {};
    if (config.localBackupsBucket) {
      print('starting the local backups store');
      const store = await startLocalBackupsStore({
        dataDir: join(config.home, 's3'),
        port: await freePort(),
        cacheDir: join(config.home, 'cache'),
        caFile: process.env.SLIPWAY_BUILD_CA_FILE ?? '/etc/ssl/certs/ca-certificates.crt',
        bucket: config.localBackupsBucket,
        onLine: serviceLog('s3'),
      });
      stoppers.push({ name: 'the local backups store', run: () => store.service.stop() });
      backupsEnv = store.env;
    }

    const token = await adminToken(config.home);
    const api = `http://127.0.0.1:${config.ports.api}`;
    const router = `http://127.0.0.1:${config.ports.routerHttp}`;
    const common = { PATH: process.env.PATH, HOME: process.env.HOME };
    const certificate = await keptRendezvousCertificate(join(config.dirs.secrets, 'rendezvous'));
    const environments = componentEnvironments(config, {
      redisUrl,
      natsUrls: { controlPlane: natsUrlFor(CONTROL_PLANE_NATS_USER, passwords?.controlPlane), router: natsUrlFor(ROUTER_NATS_USER, passwords?.router) },
      natsAuth: natsAuth ?? undefined,
      registry,
      registryAuthFile: login?.credentialsFile,
      registryTokenKeys: login?.tokenKeys,
      routerUrl: router,
      adminToken: token,
      rendezvousCertificate: certificate,
    });
    // The control plane and the router are restarted if they die; apps keep running meanwhile.
    const child = (order: number, name: string, script: string, env: NodeJS.ProcessEnv) => {
      const proc = new SupervisedProcess(
        {
          name,
          argv: [process.execPath, entry(script)],
          env: { ...process.env, ...common, ...env },
          onLine: (line) => print(format(name, line)),
          onSpawn: recordPid(order, name),
        },
        supervise,
      );
      stoppers.push({ name, run: () => proc.stop(90_000), timeoutMs: 95_000 });
      return proc;
    };

    print('starting the control plane');
    const controlPlaneStartedAt = Date.now();
    const controlPlane = child(4, 'control-plane', '../control-plane/main.js', { ...environments.controlPlane, ...backupsEnv });
    await controlPlane.waitUntilReady(() => tcpOpen(config.ports.api), 60_000);

    print('starting the router');
    const routerProcess = child(5, 'router', '../router/main.js', environments.router);
    await routerProcess.waitUntilReady(() => tcpOpen(config.ports.routerHttp), 60_000);

    if (!(await stackReady(api).catch(() => false))) {
      print('building the stack from Debian packages (first start only: a few minutes)');
      await controlPlane.waitUntilReady(() => stackReady(api), 30 * 60_000);
    }

    await waitForLocalAgents({ api, adminToken: token, since: controlPlaneStartedAt, adminTokenFile: adminTokenFile(config.home) }, print);

    const endpoints: Endpoints = { api, git: api, apiTls: `https://127.0.0.1:${config.ports.apiTls}`, tlsCertificate: certificate.certFile, router, appsDomain: config.appsDomain, token };
    await writeFile(join(config.home, 'endpoints.json'), `${JSON.stringify(endpoints, null, 2)}\n`, { mode: 0o600 });
    return { endpoints, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
