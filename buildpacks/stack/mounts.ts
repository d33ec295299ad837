// Whether anything is mounted at or under a path: a root filesystem is deleted only when
// nothing (a /proc left by a crashed build) is mounted inside it.
import { readFile } from 'node:fs/promises';
import { runCommand } from '../run-command.js';
import { umountArgv } from './commands.js';

/** Mount points listed in /proc/self/mountinfo (field 5), with octal escapes decoded. */
export function mountPoints(mountinfo: string): string[] {
  return mountinfo
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((field): field is string => Boolean(field))
    .map((field) => field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))));
}

export function mountsUnder(mountinfo: string, dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return mountPoints(mountinfo).filter((point) => point === dir || point.startsWith(prefix));
}

export async function activeMountsUnder(dir: string): Promise<string[]> {
  return mountsUnder(await readFile('/proc/self/mountinfo', 'utf8'), dir);
}

/** Unmounts everything mounted at or under `dir`, deepest first (`run/proc/sys/fs/binfmt_misc`
 *  before `run/proc`); answers what is still mounted there after. */
export async function unmountAllUnder(dir: string): Promise<string[]> {
  for (const mount of (await activeMountsUnder(dir)).sort((a, b) => b.length - a.length)) {
    await runCommand(umountArgv(mount)).catch(() => undefined); // judged by what is left
  }
  return activeMountsUnder(dir);
}
