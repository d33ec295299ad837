// The proxies users would pick instead of Slipway's router (Caddy, Traefik, kamal-proxy), each
// started doing the router's per-request work for one app, stopped when the benchmark ends.
// Go runtimes get one CPU (GOMAXPROCS=1), as nginx gets one worker and HAProxy one thread.
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureGoProgram, KAMAL_PROXY, TRAEFIK } from './go-peers.js';
import { caddyConfig, kamalProxyDeployArgs, traefikDynamicConfig, traefikStaticConfig } from './proxy-configs.js';
import { startServerProcess } from './servers.js';

const run = promisify(execFile);

export interface StartedPeer {
  http: number;
  https: number;
  pid: number;
}

export type Peer = StartedPeer | { skipped: string };

export interface PeerSetup {
  /** A directory of the benchmark's own, for this peer's configuration, state and access log. */
  dir: string;
  certificate: string;
  backendPort: number;
  hostname: string;
  /** A path the backend answers 200 on (kamal-proxy checks it before it routes). */
  healthCheckPath: string;
  ports: { http: number; https: number };
  stops: (() => Promise<void>)[];
}

const ONE_CPU = { GOMAXPROCS: '1' };

/** Keeps a peer's stdout and stderr in a file: piped into this process, its logging would cost us CPU. */
function toLogFile(logFile: string, argv: string[]): string[] {
  return ['sh', '-c', `exec "$0" "$@" >>'${logFile}' 2>&1`, ...argv];
}

export async function startCaddy(setup: PeerSetup): Promise<Peer> {
  await mkdir(setup.dir, { recursive: true });
  const config = join(setup.dir, 'caddy.json');
  await writeFile(config, caddyConfig({ ...setup, port: setup.ports.http, tlsPort: setup.ports.https }));
  // Caddy keeps data and config under XDG directories: the benchmark's own, not the operator's.
  const env = { ...ONE_CPU, XDG_DATA_HOME: setup.dir, XDG_CONFIG_HOME: setup.dir };
  const pid = await startServerProcess('caddy', toLogFile(join(setup.dir, 'caddy.log'), ['caddy', 'run', '--config', config]), setup.ports.http, setup.stops, env);
  return { ...setup.ports, pid };
}

export async function startTraefik(setup: PeerSetup): Promise<Peer> {
  const build = await ensureGoProgram(TRAEFIK);
  if ('skipped' in build) return build;
  await mkdir(setup.dir, { recursive: true });
  const options = { ...setup, port: setup.ports.http, tlsPort: setup.ports.https };
  const dynamicConfig = join(setup.dir, 'dynamic.yml');
  const staticConfig = join(setup.dir, 'traefik.yml');
  await writeFile(dynamicConfig, traefikDynamicConfig(options));
  await writeFile(staticConfig, traefikStaticConfig({ ...options, dynamicConfig }));
  const pid = await startServerProcess('traefik', toLogFile(join(setup.dir, 'stdout.log'), [build.binary, `--configFile=${staticConfig}`]), setup.ports.http, setup.stops, ONE_CPU);
  return { ...setup.ports, pid };
}

/** kamal-proxy as Kamal runs it: `kamal-proxy run`, then `kamal-proxy deploy` for the app's host. Its request log is on by default (stdout, here a file). */
export async function startKamalProxy(setup: PeerSetup): Promise<Peer> {
  const build = await ensureGoProgram(KAMAL_PROXY);
  if ('skipped' in build) return build;
  // Its state and control socket live under HOME and XDG_RUNTIME_DIR: the benchmark's own.
  const env = { ...ONE_CPU, HOME: join(setup.dir, 'home'), XDG_RUNTIME_DIR: join(setup.dir, 'run') };
  await mkdir(env.HOME, { recursive: true });
  await mkdir(env.XDG_RUNTIME_DIR, { recursive: true, mode: 0o700 });
  const argv = [build.binary, 'run', '--http-port', String(setup.ports.http), '--https-port', String(setup.ports.https)];
  const pid = await startServerProcess('kamal-proxy', toLogFile(join(setup.dir, 'access.log'), argv), setup.ports.http, setup.stops, env);
  await run(build.binary, kamalProxyDeployArgs(setup), { env: { ...process.env, ...env }, timeout: 60_000 });
  return { ...setup.ports, pid };
}
