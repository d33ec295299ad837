// What a launcher killed outright left running. Its children run in process groups of their
// own (so a terminal's Ctrl-C reaches the launcher only), so a SIGKILL of the launcher, or of
// its whole group, leaves them running, holding the ports. Each child's pid and command line
// are kept under $SLIPWAY_HOME/run/; the next start stops those still running (the last
// started first, as an orderly stop would), then starts afresh. Agents then adopt or remove
// the app containers, as after any restart.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A process is its pid and its start time (a reused pid has another; some processes, Redis
 *  among them, rewrite their command line). */
interface Record {
  pid: number;
  startTime: string;
}

/** Field 22 of /proc/<pid>/stat (after the command name, which may hold spaces); null when the process is gone. */
function parseStartTime(stat: string | null): string | null {
  if (stat === null) return null;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[0] === 'Z' ? null : (fields[19] ?? null);
}

const runDir = (home: string) => join(home, 'run');

/** Answers an onSpawn hook that records each start of `name` (the `order`-th component started). */
export function pidRecorder(home: string): (order: number, name: string) => (pid: number) => void {
  return (order, name) => (pid) => {
    const startTime = parseStartTime(readStat(pid));
    if (startTime === null) return;
    mkdirSync(runDir(home), { recursive: true, mode: 0o700 });
    const record: Record = { pid, startTime };
    writeFileSync(join(runDir(home), `${String(order).padStart(2, '0')}-${name}.json`), JSON.stringify(record), { mode: 0o600 });
  };
}

/** Forgets the records (the launcher stopped everything itself). */
export function forgetPids(home: string): void {
  rmSync(runDir(home), { recursive: true, force: true });
}

function readStat(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
}

async function startTimeOf(pid: number): Promise<string | null> {
  return parseStartTime(await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null));
}

/** Stops the processes an earlier launcher left (a pid now running something else is left alone); answers their names. */
export async function stopLeftovers(home: string, graceMs = 90_000): Promise<string[]> {
  if (!existsSync(runDir(home))) return [];
  const stopped: string[] = [];
  for (const file of (await readdir(runDir(home))).sort().reverse()) {
    const record = JSON.parse(await readFile(join(runDir(home), file), 'utf8')) as Record;
    const same = async () => (await startTimeOf(record.pid)) === record.startTime;
    if (!(await same())) continue;
    stopped.push(file.replace(/^\d+-|\.json$/g, ''));
    process.kill(record.pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while ((await same()) && Date.now() < deadline) await sleep(100);
    if (await same()) process.kill(record.pid, 'SIGKILL');
  }
  await rm(runDir(home), { recursive: true, force: true });
  return stopped;
}
