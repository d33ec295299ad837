// Runs the platform exactly as `npm start` does (the compiled launcher as a child process),
// with its own state dir and free ports, and helpers to drive it like a user.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Agent, Pool, request } from 'undici';
import { compiledEntry, repoRoot } from '../../common/entry-points.js';
import { freePort } from '../../common/ports.js';
import type { Endpoints } from '../../supervisor/platform.js';
import { waitFor } from '../support/wait.js';

export { waitFor };

const execFileAsync = promisify(execFile);

export interface RunningPlatform {
  endpoints: Endpoints;
  home: string;
  /** The launcher's process: the platform's processes are below it. */
  pid: number;
  /** Resolves with the launcher's exit code once it exited. */
  exited: Promise<number | null>;
  output: () => string;
  stop(): Promise<void>;
}

export async function platformEnv(home: string, extra: Record<string, string> = {}): Promise<Record<string, string>> {
  return {
    SLIPWAY_HOME: home,
    SLIPWAY_API_PORT: String(await freePort()),
    SLIPWAY_ROUTER_HTTP_PORT: String(await freePort()),
    SLIPWAY_ROUTER_HTTPS_PORT: String(await freePort()),
    SLIPWAY_ROUTER_METRICS_PORT: String(await freePort()),
    SLIPWAY_CONTROL_PLANE_METRICS_PORT: String(await freePort()),
    SLIPWAY_REDIS_PORT: String(await freePort()),
    SLIPWAY_NATS_PORT: String(await freePort()),
    SLIPWAY_REGISTRY_PORT: String(await freePort()),
    SLIPWAY_RENDEZVOUS_PORT: String(await freePort()),
    SLIPWAY_API_TLS_PORT: String(await freePort()),
    SLIPWAY_WAKE_PORT: String(await freePort()),
    ...extra,
  };
}

/** Starts `npm start`'s launcher and waits for endpoints.json (the stack may be built first). */
export async function startPlatform(
  env: Record<string, string>,
  timeoutMs = 15 * 60_000,
  options: { ownProcessGroup?: boolean } = {},
): Promise<RunningPlatform> {
  const home = env.SLIPWAY_HOME!;
  const endpointsFile = join(home, 'endpoints.json');
  let output = '';
  const child: ChildProcess = spawn(process.execPath, [compiledEntry(import.meta.url, '../../supervisor/main.js')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // as a terminal runs it: the launcher leads a foreground process group that Ctrl-C signals as a whole
    detached: options.ownProcessGroup === true,
  });
  child.stdout!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-200_000)));
  child.stderr!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-200_000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + timeoutMs;
  while (!/slipway: ready/.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`platform did not start:\n${output.slice(-5000)}`);
    }
    await sleep(250);
  }
  const endpoints = JSON.parse(await readFile(endpointsFile, 'utf8')) as Endpoints;
  return {
    endpoints,
    home,
    pid: child.pid!,
    exited,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      // unref'd: once the launcher is gone the timer must not hold this process for 3 minutes
      const code = await Promise.race([exited, sleep(180_000, 'timeout' as const, { ref: false })]);
      if (code === 'timeout') {
        child.kill('SIGKILL');
        throw new Error(`platform did not stop within 180 s:\n${output.slice(-3000)}`);
      }
    },
  };
}

export async function newHome(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'slipway-e2e-'));
}

/** A git work tree with the fixture's files, committed on main. */
export async function fixtureRepo(fixture: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `slipway-e2e-${fixture}-`));
  // from the sources, also when this runs compiled from dist/
  const fixtures = join(repoRoot(dirname(fileURLToPath(import.meta.url))), 'test', 'fixtures');
  await cp(join(fixtures, fixture), dir, { recursive: true });
  await git(dir, ['init', '-q', '-b', 'main']);
  await git(dir, ['config', 'user.email', 'e2e@example.com']);
  await git(dir, ['config', 'user.name', 'E2E']);
  await commitAll(dir, 'initial');
  return dir;
}

export async function commitAll(dir: string, message: string): Promise<void> {
  await git(dir, ['add', '-A']);
  await git(dir, ['commit', '-q', '--allow-empty', '-m', message]);
}

export async function editFile(dir: string, file: string, edit: (text: string) => string): Promise<void> {
  const path = join(dir, file);
  await writeFile(path, edit(existsSync(path) ? await readFile(path, 'utf8') : ''));
}

export async function git(cwd: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  try {
    const r = await execFileAsync('git', args, {
      cwd,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', ...env },
      maxBuffer: 20 * 1024 * 1024,
    });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: typeof e.code === 'number' ? e.code : 1, out: `${e.stdout}${e.stderr}` };
  }
}

export function gitUrl(endpoints: Endpoints, app: string, token = endpoints.token): string {
  const url = new URL(`${endpoints.git}/${app}.git`);
  url.username = 'user';
  url.password = token;
  return url.toString();
}

export function api(endpoints: Endpoints) {
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${endpoints.api}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${endpoints.token}`,
        accept: 'application/vnd.heroku+json; version=3',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as any) : null };
  };
}

const keepAlive = new Agent({ keepAliveTimeout: 10_000, connections: 8 });

/** One request through the router for `app` (loopback only). */
/** The compiled CLI as a user runs it, signed in to `platform` through its environment. */
export function slipwayCli(platform: Pick<RunningPlatform, 'home' | 'endpoints'>, extraEnv: Record<string, string> = {}): { argv: string[]; env: Record<string, string> } {
  return {
    argv: [process.execPath, join(repoRoot(dirname(fileURLToPath(import.meta.url))), 'dist', 'cli', 'main.js')],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: platform.home, SLIPWAY_API_URL: platform.endpoints.api, SLIPWAY_API_TOKEN: platform.endpoints.token, ...extraEnv },
  };
}

export async function viaRouter(endpoints: Endpoints, app: string, path = '/'): Promise<{ status: number; body: string }> {
  const res = await request(`${endpoints.router}${path}`, {
    headers: { host: `${app}.${endpoints.appsDomain}` },
    dispatcher: keepAlive,
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  });
  return { status: res.statusCode, body: await res.body.text() };
}

/**
 * A burst of GETs through the router for `app`: `requests` in all, `connections` at a time,
 * each over a kept-alive client connection. Answers how many got each status (0: no answer).
 */
export async function burstViaRouter(
  endpoints: Endpoints,
  app: string,
  options: { requests: number; connections: number; path?: string },
): Promise<Map<number, number>> {
  const pool = new Pool(endpoints.router, { connections: options.connections });
  const statuses = new Map<number, number>();
  const count = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
  let left = options.requests;
  const worker = async () => {
    while (left-- > 0) {
      try {
        const res = await pool.request({ path: options.path ?? '/', method: 'GET', headers: { host: `${app}.${endpoints.appsDomain}` }, headersTimeout: 30_000 });
        await res.body.dump();
        count(res.statusCode);
      } catch {
        count(0);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.connections }, worker));
  } finally {
    await pool.close();
  }
  return statuses;
}

export interface PollResult {
  requests: number;
  failures: string[];
  bodies: Map<string, number>;
}

/**
 * A client that keeps requesting the app through the router until stopped (bounded by
 * `maxMs`), counting every failure: non-200 statuses and connection errors.
 */
export function pollContinuously(endpoints: Endpoints, app: string, maxMs = 240_000) {
  const result: PollResult = { requests: 0, failures: [], bodies: new Map() };
  let stopped = false;
  const started = Date.now();
  const loop = (async () => {
    while (!stopped && Date.now() - started < maxMs) {
      result.requests += 1;
      try {
        const { status, body } = await viaRouter(endpoints, app);
        if (status !== 200) result.failures.push(`${status} ${body.slice(0, 120)}`);
        else {
          const key = body.trim();
          result.bodies.set(key, (result.bodies.get(key) ?? 0) + 1);
        }
      } catch (err) {
        result.failures.push(`error ${(err as Error).message}`);
      }
      await sleep(20);
    }
  })();
  return {
    result,
    async stop(): Promise<PollResult> {
      stopped = true;
      await loop;
      return result;
    },
  };
}

/** Removes the engine's images pulled from the registry of the platform `env` started (its apps' images). */
export async function removePlatformImages(env: Record<string, string> | undefined): Promise<void> {
  const registry = `127.0.0.1:${env?.SLIPWAY_REGISTRY_PORT}`;
  const { stdout } = await execFileAsync('docker', ['images', '--format', '{{.Repository}}@{{.ID}}']).catch(() => ({ stdout: '' }));
  const ours = stdout.split('\n').filter((line) => line.startsWith(`${registry}/`)).map((line) => line.split('@')[1]!);
  if (ours.length > 0) await execFileAsync('docker', ['rmi', '-f', ...new Set(ours)]).catch(() => {});
}

export async function dockerContainersLabeled(label: string): Promise<string[]> {
  const { stdout } = await execFileAsync('docker', ['ps', '-a', '--filter', `label=${label}`, '--format', '{{.ID}}']);
  return stdout.split('\n').filter(Boolean);
}

/** The processes below `pid` (children, theirs, ...), each with its command line, from /proc. */
export async function descendants(pid: number): Promise<{ pid: number; cmdline: string }[]> {
  const parents = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => null);
    if (stat) parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
  }
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [child, ppid] of parents) {
      if (ppid === parent) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  const result = [];
  for (const child of found) {
    const cmdline = await readFile(`/proc/${child}/cmdline`, 'utf8').catch(() => null);
    if (cmdline !== null) result.push({ pid: child, cmdline: cmdline.split('\0').join(' ').trim() });
  }
  return result;
}

/** Whether a process with this pid still exists (a zombie counts as gone). */
export async function processAlive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  return stat !== null && stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
}
