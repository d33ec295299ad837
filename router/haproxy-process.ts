// HAProxy as the router's child: master-worker mode, checked config, readiness through the
// Runtime API, hitless reloads through the master CLI, stopped with the router.
import { spawnSync } from 'node:child_process';
import { createConnection } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../common/logger.js';
import { ManagedProcess } from '../common/managed-process.js';
import { HaproxyStartError } from './errors.js';
import type { RuntimeApi } from './runtime-api.js';

export function haproxyArgv(binary: string, configPath: string, masterSocket: string): string[] {
  return [binary, '-W', '-S', `${masterSocket},mode,600`, '-f', configPath];
}

export function haproxyCheckArgv(binary: string, configPath: string): string[] {
  return [binary, '-c', '-f', configPath];
}

export function haproxyVersionArgv(binary: string): string[] {
  return [binary, '-v'];
}

/** Throws HaproxyStartError with the install hint when the binary cannot run. */
export function assertHaproxyInstalled(binary: string): string {
  const [command, ...args] = haproxyVersionArgv(binary) as [string, ...string[]];
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new HaproxyStartError(
      `cannot run ${binary}: install Debian's haproxy package (apt-get install haproxy) or set SLIPWAY_ROUTER_HAPROXY`,
      { cause: result.error },
    );
  }
  return (result.stdout.split('\n')[0] ?? '').trim();
}

/** Runs `haproxy -c` on a config file; throws with HAProxy's own words when it is invalid. */
export function checkHaproxyConfig(binary: string, configPath: string): void {
  const [command, ...args] = haproxyCheckArgv(binary, configPath) as [string, ...string[]];
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) {
    const alerts = `${result.stdout}\n${result.stderr}`.split('\n').filter((l) => l.includes('ALERT')).slice(0, 5);
    throw new HaproxyStartError(`HAProxy rejected ${configPath}: ${alerts.join(' | ') || 'see haproxy -c'}`);
  }
}

export interface HaproxyProcess {
  readonly process: ManagedProcess;
  /** The worker's pid as the Runtime API reports it. */
  workerPid(): Promise<number>;
  /** Hitless reload: a new worker takes the listeners, the old one finishes its requests. */
  reload(): Promise<void>;
  stop(): Promise<void>;
}

export interface HaproxyStartOptions {
  binary: string;
  configPath: string;
  masterSocket: string;
  runtime: RuntimeApi;
  logger: Logger;
  readyTimeoutMs?: number;
}

export async function startHaproxy(options: HaproxyStartOptions): Promise<HaproxyProcess> {
  checkHaproxyConfig(options.binary, options.configPath);
  const recent: string[] = [];
  const proc = new ManagedProcess({
    name: 'haproxy',
    argv: haproxyArgv(options.binary, options.configPath, options.masterSocket),
    onLine: (line) => {
      recent.push(line);
      if (recent.length > 10) recent.shift();
      // HAProxy's own notices and alerts (never request data: access logs go to the log socket).
      if (line.includes('ALERT')) options.logger.error({ haproxy: line }, 'haproxy');
      else if (line.includes('WARNING')) options.logger.warn({ haproxy: line }, 'haproxy');
      else options.logger.debug({ haproxy: line }, 'haproxy');
    },
  });
  const workerPid = async () => {
    const info = await options.runtime.send('show info');
    const pid = /^Pid: (\d+)/m.exec(info)?.[1];
    if (!pid) throw new HaproxyStartError('HAProxy did not report its pid');
    return Number(pid);
  };
  try {
    await proc.waitUntilReady(async () => (await workerPid()) > 0, options.readyTimeoutMs ?? 15_000);
  } catch (err) {
    await proc.stop(2_000);
    throw new HaproxyStartError(`HAProxy did not start: ${recent.join(' | ')}`, { cause: err });
  }
  return {
    process: proc,
    workerPid,
    async reload() {
      checkHaproxyConfig(options.binary, options.configPath);
      const before = await workerPid();
      await masterCommand(options.masterSocket, 'reload');
      const deadline = Date.now() + (options.readyTimeoutMs ?? 15_000);
      while (Date.now() < deadline) {
        if (!proc.running) throw new HaproxyStartError('HAProxy exited during a reload');
        const pid = await workerPid().catch(() => before);
        if (pid !== before) return;
        await sleep(20);
      }
      throw new HaproxyStartError('the new HAProxy worker did not come up after a reload');
    },
    stop: () => proc.stop(5_000),
  };
}

/** One command on the master CLI (its own socket, not the workers' Runtime API). */
export function masterCommand(masterSocket: string, line: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(masterSocket);
    const chunks: Buffer[] = [];
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`master CLI: no answer within ${timeoutMs} ms`)));
    socket.on('connect', () => socket.end(`${line}\n`));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}
