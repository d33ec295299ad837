// Slipway's own instances of Redis, NATS and the registry: own ports, own data dirs, bound
// to 127.0.0.1, Redis and the registry behind a password. The config each one gets is built
// by a pure function; start* runs it, supervised (restarted when it dies) when asked.
import { existsSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { connect as connectTcp } from 'node:net';
import { join, relative } from 'node:path';
import { ManagedProcess, type ProcessSpec } from '../common/managed-process.js';
import { DEFAULT_REDIS_MAXMEMORY_MB, REDIS_MAXMEMORY_POLICY } from '../common/redis-memory.js';
import { SupervisedProcess } from '../common/supervised-process.js';

export interface ServiceOptions {
  dataDir: string;
  port: number;
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Restart the service whenever it dies, reporting each restart here (the platform's own instances). */
  supervise?: (line: string) => void;
  onSpawn?: (pid: number, argv: readonly string[]) => void;
}

export interface RunningService {
  name: string;
  url: string;
  /** The process running now (a supervised service's changes when it is restarted). */
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

/** Redis refuses every command before AUTH with this password (kept out of argv, which every local user can read). */
export interface RedisAuth {
  password: string;
}

/**
 * How the registry checks its clients: HTTP Basic against an htpasswd file (test registries
 * standing in for ECR), or Docker's token auth, with tokens from `realm` (the control plane)
 * signed by the key whose self-signed certificate is `rootCertBundle`.
 */
export type RegistryAuth =
  | { kind: 'htpasswd'; realm: string; path: string }
  | { kind: 'token'; realm: string; service: string; issuer: string; rootCertBundle: string };

/** Pure: the redis.conf lines that hold the password (a file of mode 0600, read before argv's options). */
export function redisAuthConfig(auth: RedisAuth): string {
  return `requirepass ${JSON.stringify(auth.password)}\n`;
}

export function redisArgv(dataDir: string, port: number, maxMemoryMb: number = DEFAULT_REDIS_MAXMEMORY_MB, authConfigFile?: string): string[] {
  return [
    'redis-server',
    ...(authConfigFile ? [authConfigFile] : []),
    '--bind', '127.0.0.1',
    '--port', String(port),
    '--dir', dataDir,
    '--appendonly', 'yes',
    // an acknowledged write is on disk: the usage ledger survives a kill -9 of Redis itself
    '--appendfsync', 'always',
    '--save', '',
    '--protected-mode', 'yes',
    '--daemonize', 'no',
    '--logfile', '',
    '--maxmemory', `${maxMemoryMb}mb`,
    '--maxmemory-policy', REDIS_MAXMEMORY_POLICY,
  ];
}

export interface NatsAuthSetup {
  /** The authorization block, included by the config; the control plane rewrites it. */
  authFile: string;
  /** Written on first start only: the users NATS knows before the control plane runs. */
  initialAuthorization: string;
  pidFile: string;
}

export function natsConfig(dataDir: string, port: number, auth?: Pick<NatsAuthSetup, 'authFile' | 'pidFile'>): string {
  return [
    `listen: "127.0.0.1:${port}"`,
    `jetstream { store_dir: ${JSON.stringify(join(dataDir, 'jetstream'))} }`,
    'max_payload: 8MB',
    // nats-server resolves includes relative to the config file's directory
    ...(auth ? [`pid_file: ${JSON.stringify(auth.pidFile)}`, `include ${JSON.stringify(relative(dataDir, auth.authFile))}`] : []),
    '',
  ].join('\n');
}

/** Pure: the registry config's `auth:` lines. */
function registryAuthLines(auth: RegistryAuth | undefined): string[] {
  if (!auth) return [];
  if (auth.kind === 'htpasswd') return ['auth:', '  htpasswd:', `    realm: ${auth.realm}`, `    path: ${JSON.stringify(auth.path)}`];
  return [
    'auth:',
    '  token:',
    `    realm: ${JSON.stringify(auth.realm)}`,
    `    service: ${JSON.stringify(auth.service)}`,
    `    issuer: ${JSON.stringify(auth.issuer)}`,
    `    rootcertbundle: ${JSON.stringify(auth.rootCertBundle)}`,
  ];
}

export function registryConfig(dataDir: string, port: number, auth?: RegistryAuth): string {
  return [
    'version: 0.1',
    'log:',
    // error: token auth's first answer to every client is a 401 challenge, which distribution logs as a warning
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${JSON.stringify(join(dataDir, 'data'))}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    ...registryAuthLines(auth),
    '',
  ].join('\n');
}

export function tcpAnswers(port: number, hello: string | null, expect: RegExp): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTcp({ host: '127.0.0.1', port });
    let received = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => {
      if (hello) socket.write(hello);
    });
    socket.on('data', (chunk) => {
      received += chunk.toString();
      if (expect.test(received)) done(true);
    });
  });
}

export async function started(name: string, url: string, spec: ProcessSpec, probe: () => Promise<boolean>, options: ServiceOptions): Promise<RunningService> {
  const proc = options.supervise ? new SupervisedProcess(spec, options.supervise) : new ManagedProcess(spec);
  try {
    await proc.waitUntilReady(probe);
  } catch (err) {
    await proc.stop(2000);
    throw err;
  }
  return {
    name,
    url,
    get process() {
      return proc instanceof SupervisedProcess ? proc.process : proc;
    },
    stop: () => proc.stop(),
  };
}

/** A file only its owner reads, also when it existed with a looser mode. */
async function writePrivate(file: string, text: string): Promise<void> {
  await writeFile(file, text, { mode: 0o600 });
  await chmod(file, 0o600);
}

export async function startRedis(options: ServiceOptions & { auth?: RedisAuth; maxMemoryMb?: number }): Promise<RunningService> {
  await mkdir(options.dataDir, { recursive: true });
  let authFile: string | undefined;
  if (options.auth) {
    authFile = join(options.dataDir, 'auth.conf');
    await writePrivate(authFile, redisAuthConfig(options.auth));
  }
  const spec = { name: 'redis', argv: redisArgv(options.dataDir, options.port, options.maxMemoryMb, authFile), onLine: options.onLine, onSpawn: options.onSpawn };
  const password = options.auth?.password;
  const url = password ? `redis://:${encodeURIComponent(password)}@127.0.0.1:${options.port}` : `redis://127.0.0.1:${options.port}`;
  const hello = password ? `AUTH ${JSON.stringify(password)}\r\nPING\r\n` : 'PING\r\n';
  return started('redis', url, spec, () => tcpAnswers(options.port, hello, /\+PONG/), options);
}

export async function startNats(options: ServiceOptions & { auth?: NatsAuthSetup }): Promise<RunningService> {
  await mkdir(options.dataDir, { recursive: true });
  const configFile = join(options.dataDir, 'nats.conf');
  if (options.auth && !existsSync(options.auth.authFile)) {
    await writeFile(options.auth.authFile, options.auth.initialAuthorization, { mode: 0o600 });
  }
  await writeFile(configFile, natsConfig(options.dataDir, options.port, options.auth));
  const spec = { name: 'nats', argv: ['nats-server', '-c', configFile], onLine: options.onLine, onSpawn: options.onSpawn };
  return started('nats', `nats://127.0.0.1:${options.port}`, spec, () => tcpAnswers(options.port, null, /^INFO /), options);
}

/** The registry's garbage collection: frees the layers no manifest uses any more (pure argv). */
export function registryGarbageCollectArgv(configFile: string): string[] {
  return ['docker-registry', 'garbage-collect', configFile];
}

/**
 * Runs the registry's garbage collection over its data while it is stopped (distribution
 * requires that: a push during collection could lose layers). The control plane deletes the
 * manifests of unused app images; their layers go here, at each start. A failure is reported
 * and the registry starts anyway.
 */
export async function collectRegistryGarbage(dataDir: string, configFile: string, onLine?: ServiceOptions['onLine']): Promise<{ code: number | null }> {
  if (!existsSync(join(dataDir, 'data', 'docker', 'registry', 'v2', 'repositories'))) return { code: 0 };
  const proc = new ManagedProcess({ name: 'registry-gc', argv: registryGarbageCollectArgv(configFile), onLine });
  const { code } = await proc.exited;
  if (code !== 0) onLine?.(`registry garbage collection exited with code ${code}; starting the registry anyway`, 'stderr');
  return { code };
}

export async function startRegistry(options: ServiceOptions & { auth?: RegistryAuth }): Promise<RunningService> {
  await mkdir(options.dataDir, { recursive: true });
  const configFile = join(options.dataDir, 'registry.yml');
  await writeFile(configFile, registryConfig(options.dataDir, options.port, options.auth));
  await collectRegistryGarbage(options.dataDir, configFile, options.onLine);
  const spec = { name: 'registry', argv: ['docker-registry', 'serve', configFile], onLine: options.onLine, onSpawn: options.onSpawn };
  // Up when /v2/ answers: 200 when open, else its challenge (the token server may not run yet).
  const expected = !options.auth ? /^HTTP\/1\.[01] 200/ : options.auth.kind === 'token' ? /^HTTP\/1\.[01] 401[^]*\r\nWww-Authenticate: Bearer /i : /^HTTP\/1\.[01] 401/;
  const probe = () => tcpAnswers(options.port, 'GET /v2/ HTTP/1.0\r\n\r\n', expected);
  return started('registry', `127.0.0.1:${options.port}`, spec, probe, options);
}
