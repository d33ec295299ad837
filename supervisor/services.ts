// Slipway's own instances of Redis, NATS and the registry: own ports, own data dirs, bound
// to 127.0.0.1. The config each one gets is built by a pure function; start* runs it.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { connect as connectTcp } from 'node:net';
import { join, relative } from 'node:path';
import { ManagedProcess } from '../common/managed-process.js';
import { DEFAULT_REDIS_MAXMEMORY_MB, REDIS_MAXMEMORY_POLICY } from '../common/redis-memory.js';

export interface ServiceOptions {
  dataDir: string;
  port: number;
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

export interface RunningService {
  name: string;
  url: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

export function redisArgv(dataDir: string, port: number, maxMemoryMb: number = DEFAULT_REDIS_MAXMEMORY_MB): string[] {
  return [
    'redis-server',
    '--bind', '127.0.0.1',
    '--port', String(port),
    '--dir', dataDir,
    '--appendonly', 'yes',
    '--appendfsync', 'everysec',
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

export function registryConfig(dataDir: string, port: number): string {
  return [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${JSON.stringify(join(dataDir, 'data'))}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    '',
  ].join('\n');
}

function tcpAnswers(port: number, hello: string | null, expect: RegExp): Promise<boolean> {
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

async function started(name: string, url: string, proc: ManagedProcess, probe: () => Promise<boolean>): Promise<RunningService> {
  try {
    await proc.waitUntilReady(probe);
  } catch (err) {
    await proc.stop(2000);
    throw err;
  }
  return { name, url, process: proc, stop: () => proc.stop() };
}

export async function startRedis(options: ServiceOptions & { maxMemoryMb?: number }): Promise<RunningService> {
  await mkdir(options.dataDir, { recursive: true });
  const proc = new ManagedProcess({ name: 'redis', argv: redisArgv(options.dataDir, options.port, options.maxMemoryMb), onLine: options.onLine });
  return started('redis', `redis://127.0.0.1:${options.port}`, proc, () => tcpAnswers(options.port, 'PING\r\n', /\+PONG/));
}

export async function startNats(options: ServiceOptions & { auth?: NatsAuthSetup }): Promise<RunningService> {
  await mkdir(options.dataDir, { recursive: true });
  const configFile = join(options.dataDir, 'nats.conf');
  if (options.auth && !existsSync(options.auth.authFile)) {
    await writeFile(options.auth.authFile, options.auth.initialAuthorization, { mode: 0o600 });
  }
  await writeFile(configFile, natsConfig(options.dataDir, options.port, options.auth));
  const proc = new ManagedProcess({ name: 'nats', argv: ['nats-server', '-c', configFile], onLine: options.onLine });
  return started('nats', `nats://127.0.0.1:${options.port}`, proc, () => tcpAnswers(options.port, null, /^INFO /));
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

export async function startRegistry(options: ServiceOptions): Promise<RunningService> {
  await mkdir(options.dataDir, { recursive: true });
  const configFile = join(options.dataDir, 'registry.yml');
  await writeFile(configFile, registryConfig(options.dataDir, options.port));
  await collectRegistryGarbage(options.dataDir, configFile, options.onLine);
  const proc = new ManagedProcess({
    name: 'registry',
    argv: ['docker-registry', 'serve', configFile],
    onLine: options.onLine,
  });
  const probe = () => tcpAnswers(options.port, 'GET /v2/ HTTP/1.0\r\n\r\n', /^HTTP\/1\.[01] 200/);
  return started('registry', `127.0.0.1:${options.port}`, proc, probe);
}
