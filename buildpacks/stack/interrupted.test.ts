// A stack build cut short, on this host (root: it mounts /proc): stopped through its signal, the
// command running gets SIGTERM and leaves nothing mounted; killed outright (its control plane
// SIGKILLed inside a chroot step), the /proc it left mounted is unmounted by the next build
// of the stack before the old tree is deleted. A stand-in debootstrap on PATH does the mounting.
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCommand } from '../run-command.js';
import { mountProcArgv } from './commands.js';
import { removeStaleRootfs } from './ensure.js';
import { activeMountsUnder, unmountAllUnder } from './mounts.js';
import { BOOKWORM_RECIPE } from './recipe.js';
import { buildStackRootfs } from './rootfs.js';

const cleanup: string[] = [];
const originalPath = process.env.PATH;

afterEach(async () => {
  process.env.PATH = originalPath;
  for (const dir of cleanup.splice(0)) {
    await unmountAllUnder(dir);
    await rm(dir, { recursive: true, force: true });
  }
});

async function scratch(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'stack-interrupted-'));
  cleanup.push(dir);
  return dir;
}

/** Puts a `debootstrap` that mounts /proc in its target (as the real one does), says so, and
 *  waits, unmounting when it gets SIGTERM, first on PATH. */
async function standInDebootstrap(dir: string): Promise<void> {
  const bin = join(dir, 'bin');
  await mkdir(bin);
  const script = [
    '#!/bin/sh',
    'target="$5"',
    'mkdir -p "$target/proc" && mount -t proc proc "$target/proc" || exit 1',
    'trap \'umount "$target/proc"; exit 0\' TERM',
    'echo "I: mounted proc"',
    'while :; do sleep 0.05; done',
  ].join('\n');
  await writeFile(join(bin, 'debootstrap'), `${script}\n`);
  await chmod(join(bin, 'debootstrap'), 0o755);
  process.env.PATH = `${bin}:${originalPath}`;
}

describe('a stack build cut short', () => {
  it('stops its running command when its signal aborts, leaving nothing mounted', async () => {
    const dir = await scratch();
    await standInDebootstrap(dir);
    const paths = { run: join(dir, 'rootfs', 'run'), build: join(dir, 'rootfs', 'build') };
    const controller = new AbortController();
    const output: string[] = [];
    const steps: string[] = [];
    const building = buildStackRootfs(BOOKWORM_RECIPE, paths, join(dir, 'debs'), {
      step: (line) => steps.push(line),
      output: (line) => {
        output.push(line);
        if (line === 'I: mounted proc') controller.abort(new Error('the control plane is stopping'));
      },
    }, controller.signal);
    await expect(building).rejects.toThrow('the control plane is stopping');
    expect(output).toEqual(['I: mounted proc']);
    expect(steps).toHaveLength(1); // debootstrap's, and no step after it
    expect(await activeMountsUnder(dir)).toEqual([]);
  });

  it('unmounts what a killed build left mounted in its tree before deleting the tree', async () => {
    const stackDir = await scratch();
    const stale = join(stackDir, `rootfs-${BOOKWORM_RECIPE.name}-0123456789ab`, 'run');
    await mkdir(join(stale, 'proc'), { recursive: true });
    await runCommand(mountProcArgv(stale));
    const otherStack = join(stackDir, 'rootfs-trixie-0123456789ab');
    await mkdir(otherStack);
    expect(await activeMountsUnder(stale)).toEqual([join(stale, 'proc')]);

    await removeStaleRootfs(stackDir, BOOKWORM_RECIPE);
    expect(await activeMountsUnder(stackDir)).toEqual([]);
    expect(await readdir(stackDir)).toEqual(['rootfs-trixie-0123456789ab']); // another stack's build is not this one's to clear
  });
});
