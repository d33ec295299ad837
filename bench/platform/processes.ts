// The platform's own processes and what they hold (open descriptors, resident memory), read
// from /proc before and after load, so a leak shows as growth.
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { processTree, type ProcStat } from '../support/cpu.js';

/** Engine processes count as the platform's even when `npm start` reused a running engine. */
const ENGINE_PROCESSES = new Set(['dockerd', 'containerd', 'docker-proxy']);

/** The launcher's process tree and the engine's processes, without what runs inside containers. */
export function platformPids(stats: readonly ProcStat[], launcherPid: number): number[] {
  const shims = stats.filter((stat) => stat.name.startsWith('containerd-shim')).map((stat) => stat.pid);
  const inContainers = processTree(stats, shims, true);
  const launched = processTree(stats, [launcherPid], true);
  return stats
    .filter((stat) => (launched.has(stat.pid) || ENGINE_PROCESSES.has(stat.name)) && !inContainers.has(stat.pid))
    .map((stat) => stat.pid);
}

/** A readable role: a Node process by the folder of its script (`dist/router/main.js` → router). */
export function roleOf(name: string, argv: readonly string[]): string {
  const script = argv.slice(1).find((arg) => arg.endsWith('.js'));
  return name === 'node' && script ? basename(dirname(script)) : name;
}

export interface ProcessUsage {
  pid: number;
  role: string;
  fds: number;
  rssKiB: number;
}

/** Null when the process is gone. */
export async function readUsage(pid: number): Promise<ProcessUsage | null> {
  try {
    const [status, cmdline, fds] = await Promise.all([
      readFile(`/proc/${pid}/status`, 'utf8'),
      readFile(`/proc/${pid}/cmdline`, 'utf8'),
      readdir(`/proc/${pid}/fd`),
    ]);
    const name = /^Name:\s+(.*)$/m.exec(status)?.[1] ?? '?';
    const rssKiB = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0);
    return { pid, role: roleOf(name, cmdline.split('\0').filter(Boolean)), fds: fds.length, rssKiB };
  } catch {
    return null;
  }
}

export async function readAllUsage(pids: readonly number[]): Promise<ProcessUsage[]> {
  const usage = await Promise.all(pids.map(readUsage));
  return usage.filter((entry): entry is ProcessUsage => entry !== null);
}

/**
 * One line per process present in every sample: descriptors and resident MiB at each sample in
 * turn, so growth that keeps going (a leak) reads apart from a heap that grew once and stayed;
 * then the processes that came or went between the first sample and the last.
 */
export function usageReport(samples: readonly (readonly ProcessUsage[])[]): string[] {
  const first = samples[0] ?? [];
  const last = samples.at(-1) ?? [];
  const byPid = samples.map((sample) => new Map(sample.map((entry) => [entry.pid, entry])));
  const series = (pid: number, pick: (entry: ProcessUsage) => string) => byPid.map((sample) => pick(sample.get(pid)!)).join(' ');
  const lines = first
    .filter((entry) => byPid.every((sample) => sample.has(entry.pid)))
    .sort((a, b) => a.role.localeCompare(b.role) || a.pid - b.pid)
    .flatMap((entry) => [
      `  ${`${entry.role} (${entry.pid})`.padEnd(28)} fds ${series(entry.pid, (e) => String(e.fds))}`,
      `  ${''.padEnd(28)} RSS ${series(entry.pid, (e) => (e.rssKiB / 1024).toFixed(0))} MiB`,
    ]);
  const lastPids = new Set(last.map((entry) => entry.pid));
  const firstPids = new Set(first.map((entry) => entry.pid));
  const gone = first.filter((entry) => !lastPids.has(entry.pid)).map((entry) => `${entry.role} (${entry.pid})`);
  const came = last.filter((entry) => !firstPids.has(entry.pid)).map((entry) => `${entry.role} (${entry.pid})`);
  if (gone.length) lines.push(`  gone since: ${gone.join(', ')}`);
  if (came.length) lines.push(`  new since: ${came.join(', ')}`);
  return lines;
}

/** Total descriptors and resident memory of the processes present both times. */
export function usageTotals(before: readonly ProcessUsage[], after: readonly ProcessUsage[]): { fds: [number, number]; rssKiB: [number, number] } {
  const later = new Map(after.map((entry) => [entry.pid, entry]));
  const both = before.filter((entry) => later.has(entry.pid));
  const sum = (entries: readonly ProcessUsage[], key: 'fds' | 'rssKiB') => entries.reduce((total, entry) => total + entry[key], 0);
  const afterBoth = both.map((entry) => later.get(entry.pid)!);
  return { fds: [sum(both, 'fds'), sum(afterBoth, 'fds')], rssKiB: [sum(both, 'rssKiB'), sum(afterBoth, 'rssKiB')] };
}
