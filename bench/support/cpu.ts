// CPU time of processes, read from /proc: on a shared 2-core machine throughput swings by ±30%
// from one run to the next, while the CPU a proxy spends per request stays much steadier, so the
// benchmark prints both.
import { readdir, readFile } from 'node:fs/promises';

/** Linux reports utime/stime in USER_HZ ticks, 100 per second on every mainstream architecture. */
const TICKS_PER_SECOND = 100;

export interface ProcStat {
  pid: number;
  ppid: number;
  /** The command name (comm), as the kernel keeps it (at most 15 bytes). */
  name: string;
  /** User plus system time of the process itself (its threads included, its children not). */
  cpuSeconds: number;
}

/** Parses /proc/<pid>/stat; the command name may hold spaces and parentheses, so fields count from the last ')'. */
export function parseProcStat(text: string): ProcStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error(`not a /proc stat line: ${text.slice(0, 80)}`);
  const fields = text.slice(close + 2).trim().split(/\s+/);
  // After the name: state(0) ppid(1) ... utime(11) stime(12).
  const [ppid, utime, stime] = [fields[1], fields[11], fields[12]].map(Number);
  if (![ppid, utime, stime].every((n) => Number.isFinite(n))) throw new Error(`unreadable /proc stat line: ${text.slice(0, 80)}`);
  return { pid: Number(text.slice(0, open).trim()), ppid: ppid!, name: text.slice(open + 1, close), cpuSeconds: (utime! + stime!) / TICKS_PER_SECOND };
}

/** The given processes and, when `withDescendants`, every process below them. */
export function processTree(stats: readonly ProcStat[], roots: readonly number[], withDescendants: boolean): Set<number> {
  const chosen = new Set(roots);
  if (!withDescendants) return chosen;
  let grew = true;
  while (grew) {
    grew = false;
    for (const stat of stats) {
      if (!chosen.has(stat.pid) && chosen.has(stat.ppid)) {
        chosen.add(stat.pid);
        grew = true;
      }
    }
  }
  return chosen;
}

/** The CPU seconds of the given processes and, when `withDescendants`, every process below them. */
export function treeCpuSeconds(stats: readonly ProcStat[], roots: readonly number[], withDescendants: boolean): number {
  const chosen = processTree(stats, roots, withDescendants);
  return stats.filter((stat) => chosen.has(stat.pid)).reduce((sum, stat) => sum + stat.cpuSeconds, 0);
}

/** Every process's stat line; processes that exit while being read are skipped. */
export async function readProcStats(): Promise<ProcStat[]> {
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  const stats = await Promise.all(pids.map((pid) => readFile(`/proc/${pid}/stat`, 'utf8').then(parseProcStat, () => null)));
  return stats.filter((stat): stat is ProcStat => stat !== null);
}

/** A group of processes whose CPU is measured together, e.g. a proxy's master and workers. */
export interface CpuProbe {
  roots: number[];
  withDescendants: boolean;
}
