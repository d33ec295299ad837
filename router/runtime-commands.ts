// HAProxy Runtime API commands as data, built by pure functions from data-plane operations,
// and parsers for what HAProxy answers. Every value put into a command is checked to be a
// single token, so no input can smuggle in a second command.
import type { DataPlaneOp } from './data-plane-state.js';

export interface RuntimeCommand {
  /** One line, no newline. */
  line: string;
  /** Multi-line payload sent with `<<` (certificates); never logged. */
  payload?: string;
  /** What a successful answer looks like; anything else is an error. */
  expect: RegExp;
  /** Answers that mean the goal is already reached (e.g. deleting what is gone). */
  alreadyDone?: RegExp;
  /** Sent instead when the answer matches `when` (e.g. `add map` when `set map` finds no entry). */
  fallback?: { when: RegExp; command: RuntimeCommand };
}

const TOKEN = /^[A-Za-z0-9_.:\-/*\[\]]+$/;
const EMPTY = /^\s*$/;

export function token(value: string): string {
  if (!TOKEN.test(value)) throw new Error(`unsafe token for the HAProxy Runtime API: ${JSON.stringify(value)}`);
  return value;
}

export interface ServerOptions {
  healthCheckIntervalMs: number;
}

/** How soon an instance that failed a connection is checked again. */
export function fastCheckIntervalMs(options: ServerOptions): number {
  return Math.max(100, Math.round(options.healthCheckIntervalMs / 8));
}

/**
 * Arguments of every backend server, static or dynamic.
 * - Idle connections are pooled and reused: HAProxy 2.6 gives a server added through the
 *   Runtime API no pool (pool-max-conn 0, purge delay 0) where a server in the config file gets
 *   an unlimited one purged every 5 s, so without saying it every request to a live-added server
 *   opened and closed its own connection.
 * - A refused connection does not eject an instance by itself (an app with one instance would
 *   answer 503 until two checks passed): it makes HAProxy check the instance at the fast
 *   interval, and two failed checks eject it. Meanwhile the request that could not connect is
 *   retried on another instance (`retries`, `redispatch`).
 */
export function serverArguments(options: ServerOptions): string[] {
  return [
    'check', 'inter', `${options.healthCheckIntervalMs}ms`, 'fastinter', `${fastCheckIntervalMs(options)}ms`, 'fall', '2', 'rise', '2',
    'observe', 'layer4', 'error-limit', '1', 'on-error', 'fastinter',
    'pool-max-conn', '-1', 'pool-purge-delay', '5s',
  ];
}

export interface CommandContext extends ServerOptions {
  hostsMapPath: string;
}

/** The commands that carry out one operation on a running HAProxy (none for state-only operations). */
export function commandsFor(op: DataPlaneOp, context: CommandContext): RuntimeCommand[] {
  switch (op.type) {
    case 'assign-slot':
    case 'release-slot':
      return [];
    case 'add-server': {
      const id = `${token(op.slot)}/${token(op.server.name)}`;
      const address = `${formatAddress(op.server.address)}:${op.server.port}`;
      return [
        { line: `add server ${id} ${token(address)} ${serverArguments(context).join(' ')}`, expect: /^New server registered/ },
        { line: `enable health ${id}`, expect: EMPTY },
        { line: `enable server ${id}`, expect: /^(\s*|Server .* is (UP|DOWN).*)$/s },
      ];
    }
    case 'ready-server':
      return [{ line: `set server ${token(op.slot)}/${token(op.server)} state ready`, expect: EMPTY }];
    case 'drain-server':
      return [{ line: `set server ${token(op.slot)}/${token(op.server)} state drain`, expect: EMPTY }];
    case 'delete-server': {
      const id = `${token(op.slot)}/${token(op.server)}`;
      const gone = /No such (server|backend)/;
      return [
        { line: `set server ${id} state maint`, expect: EMPTY, alreadyDone: gone },
        ...(op.force ? [{ line: `shutdown sessions server ${id}`, expect: EMPTY, alreadyDone: gone }] : []),
        { line: `del server ${id}`, expect: /^Server deleted/, alreadyDone: gone },
      ];
    }
    case 'set-host': {
      const args = `${token(context.hostsMapPath)} ${token(op.hostname)} ${token(op.slot)}`;
      const add: RuntimeCommand = { line: `add map ${args}`, expect: EMPTY };
      // `set map` swaps the value in place (no moment without an entry); `add map` would add a duplicate.
      return [op.replace ? { line: `set map ${args}`, expect: EMPTY, fallback: { when: /not found/, command: add } } : add];
    }
    case 'delete-host':
      return [{ line: `del map ${token(context.hostsMapPath)} ${token(op.hostname)}`, expect: EMPTY, alreadyDone: /not found/ }];
  }
}

function formatAddress(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

/** `show stat -1 4 -1` (CSV) → current sessions per `backend/server`. */
export function parseServerSessions(csv: string): Map<string, number> {
  const sessions = new Map<string, number>();
  const lines = csv.split('\n');
  const header = (lines[0] ?? '').replace(/^# /, '').split(',');
  const px = header.indexOf('pxname');
  const sv = header.indexOf('svname');
  const scur = header.indexOf('scur');
  if (px < 0 || sv < 0 || scur < 0) return sessions;
  for (const line of lines.slice(1)) {
    const fields = line.split(',');
    if (fields.length <= scur) continue;
    sessions.set(`${fields[px]}/${fields[sv]}`, Number(fields[scur]) || 0);
  }
  return sessions;
}

/** `show map <file>` → hostname → slot. */
export function parseMap(output: string): Map<string, string> {
  const entries = new Map<string, string>();
  for (const line of output.split('\n')) {
    const [, key, value] = line.trim().split(/\s+/);
    if (key && value) entries.set(key, value);
  }
  return entries;
}

export interface ObservedServer {
  backend: string;
  server: string;
  address: string;
  port: number;
  /** srv_admin_state has the drain bit (0x08) */
  draining: boolean;
}

/** `show servers state` → the servers HAProxy has, in every backend. */
export function parseServersState(output: string): ObservedServer[] {
  const servers: ObservedServer[] = [];
  for (const line of output.split('\n')) {
    if (!line || line.startsWith('#') || /^\d+$/.test(line.trim())) continue;
    const f = line.trim().split(/\s+/);
    // be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state ... srv_port is field 18
    if (f.length < 19) continue;
    const admin = Number(f[6]);
    servers.push({ backend: f[1]!, server: f[3]!, address: f[4]!, port: Number(f[18]), draining: (admin & 0x08) !== 0 });
  }
  return servers;
}

/** Whether HAProxy's answer to `command` means success. */
export function answerOk(command: RuntimeCommand, answer: string): boolean {
  return command.expect.test(answer.trim()) || (command.alreadyDone?.test(answer) ?? false);
}
