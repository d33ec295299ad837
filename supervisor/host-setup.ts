// Makes this machine able to run the platform: Debian packages present, Docker Engine up.
// A Docker Engine that already runs is reused; one we start is ours to stop.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Docker from 'dockerode';
import { daemonJsonPath, dockerdFlags, userlandProxyEnabled, type DockerdSettingsSource } from '../common/docker-engine-settings.js';
import { aptInstallCommands, installHint, missingPackages, type RequiredPackage } from './packages.js';

export class HostSetupError extends Error {
  override name = 'HostSetupError';
}

export function binaryPresent(binary: string): boolean {
  // `command -v` is a shell builtin; search PATH plus the sbin dirs a non-login root shell may lack.
  const path = `${process.env.PATH ?? ''}:/usr/local/sbin:/usr/sbin:/sbin`;
  return spawnSync('which', [binary], { env: { ...process.env, PATH: path }, stdio: 'ignore' }).status === 0;
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Installs what is missing when root; otherwise throws with the exact command to run. */
export function ensurePackages(
  required: readonly RequiredPackage[],
  log: (line: string) => void,
  machine: { isRoot: () => boolean; isPresent: (binary: string) => boolean } = { isRoot, isPresent: binaryPresent },
): void {
  const missing = missingPackages(required, machine.isPresent);
  if (missing.length === 0) return;
  if (!machine.isRoot()) {
    throw new HostSetupError(`missing Debian packages: ${missing.join(', ')}. Install them with:\n  ${installHint(missing)}`);
  }
  log(`installing Debian packages: ${missing.join(' ')}`);
  for (const argv of aptInstallCommands(missing)) {
    const [command, ...args] = argv as [string, ...string[]];
    const result = spawnSync(command, args, {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (result.status !== 0) throw new HostSetupError(`'${argv.join(' ')}' failed with exit code ${result.status}`);
  }
  // Debian starts some services on install where policy allows; Slipway runs its own instances.
  ensurePathHasSbin();
}

function ensurePathHasSbin(): void {
  const path = process.env.PATH ?? '';
  for (const dir of ['/usr/sbin', '/sbin', '/usr/local/sbin']) {
    if (!path.split(':').includes(dir)) process.env.PATH = `${process.env.PATH}:${dir}`;
  }
}

export interface DockerEngine {
  /** True when this process started dockerd (and so should stop it). */
  startedHere: boolean;
  stop(): Promise<void>;
}

async function dockerAnswers(docker: Docker): Promise<boolean> {
  try {
    await docker.ping();
    return true;
  } catch {
    return false;
  }
}

/** The argv and daemon.json of the dockerd running on this machine; null when none is visible
 *  (an engine in another pid namespace or on another machine). */
export async function readRunningDockerd(procDir = '/proc'): Promise<DockerdSettingsSource | null> {
  for (const entry of await readdir(procDir).catch(() => [])) {
    if (!/^\d+$/.test(entry)) continue;
    const comm = await readFile(join(procDir, entry, 'comm'), 'utf8').catch(() => '');
    if (comm.trim() !== 'dockerd') continue;
    const argv = (await readFile(join(procDir, entry, 'cmdline'), 'utf8').catch(() => '')).split('\0').filter(Boolean);
    const daemonJson = await readFile(daemonJsonPath(argv), 'utf8').catch(() => null);
    return { argv, daemonJson };
  }
  return null;
}

/** What to tell an operator whose running engine puts Docker's userland proxy in the data path. */
export function userlandProxyAdvice(daemonJson: string): string {
  return (
    `the running Docker Engine has its userland proxy on: a docker-proxy process copies every request between the router ` +
    `and each app, which under load costs most of the CPU the apps would get (docs/decisions.md, "Instances"). ` +
    `Slipway works with it, slower. To take it out of the path: set "userland-proxy": false in ${daemonJson} and restart ` +
    `dockerd, or stop dockerd and let Slipway start its own.`
  );
}

/** The line in which dockerd said why it stopped, from the end of its log. */
export function dockerdFailure(logText: string): string | null {
  const lines = logText.split('\n').filter((line) => line.trim() !== '');
  return lines.reverse().find((line) => /failed to start daemon|level=fatal/.test(line))?.trim() ?? null;
}

type StartedDockerd = { ok: true; engine: DockerEngine } | { ok: false; failure: string | null };

/** Starts dockerd with `flags`; answers once it serves the API, or why it stopped. */
async function startDockerd(docker: Docker, flags: string[], logPath: string): Promise<StartedDockerd> {
  const logFd = openSync(logPath, 'a');
  const logStart = statSync(logPath).size;
  const child = spawn('dockerd', flags, { detached: true, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  child.unref();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let i = 0; i < 300 && child.exitCode === null; i++) {
    if (await dockerAnswers(docker)) {
      const stop = async () => {
        child.kill('SIGTERM');
        await Promise.race([exited, sleep(20_000, undefined, { ref: false })]);
      };
      return { ok: true, engine: { startedHere: true, stop } };
    }
    await sleep(100);
  }
  if (child.exitCode === null) child.kill('SIGTERM');
  await Promise.race([exited, sleep(20_000, undefined, { ref: false })]);
  const written = await readFile(logPath, 'utf8').catch(() => '');
  return { ok: false, failure: dockerdFailure(written.slice(logStart)) };
}

/**
 * Reuses a running Docker Engine, or starts dockerd with its log under `logDir`: with Slipway's
 * engine settings, or, where the machine refuses them (a container whose /proc/sys is
 * read-only cannot route published loopback ports without the userland proxy), with Docker's
 * defaults and a warning.
 */
export async function ensureDockerEngine(logDir: string, log: (line: string) => void): Promise<DockerEngine> {
  ensurePathHasSbin();
  const docker = new Docker();
  if (await dockerAnswers(docker)) {
    const running = await readRunningDockerd();
    if (running && userlandProxyEnabled(running)) log(`warning: ${userlandProxyAdvice(daemonJsonPath(running.argv))}`);
    return { startedHere: false, stop: async () => {} };
  }
  if (!isRoot()) throw new HostSetupError(`Docker Engine is not running and only root can start it: run  sudo dockerd ${dockerdFlags().join(' ')} &`);
  await mkdir(logDir, { recursive: true });
  const logPath = join(logDir, 'dockerd.log');
  log(`starting dockerd ${dockerdFlags().join(' ')} (log: ${logPath})`);
  const preferred = await startDockerd(docker, dockerdFlags(), logPath);
  if (preferred.ok) return preferred.engine;
  log(
    `warning: dockerd would not start with ${dockerdFlags().join(' ')} (${preferred.failure ?? 'no reason in its log'}); ` +
      "starting it with Docker's defaults: the userland proxy stays in the path between the router and the apps, which is slower",
  );
  const fallback = await startDockerd(docker, [], logPath);
  if (fallback.ok) return fallback.engine;
  throw new HostSetupError(`dockerd did not start (${fallback.failure ?? 'no reason in its log'}); see ${logPath}`);
}
