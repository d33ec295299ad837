import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { ManagedProcess } from '../common/managed-process.js';
import { waitFor } from '../test/support/wait.js';
import { pidRecorder, stopLeftovers } from './leftovers.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

it('stops, newest first, the processes an earlier start recorded, and leaves a reused pid alone', async () => {
  const home = await mkdtemp(join(tmpdir(), 'slipway-leftovers-'));
  dirs.push(home);
  const record = pidRecorder(home);
  const lines: string[] = [];
  // Two "components" that outlive their launcher and say when they are stopped.
  const started = ['first', 'second'].map(
    (name, i) =>
      new ManagedProcess({
        name,
        argv: [process.execPath, '-e', `process.on('SIGTERM',()=>{console.log('${name}');process.exit(0)});console.log('ready');setInterval(()=>{},1000)`],
        ownProcessGroup: true,
        onSpawn: record(i + 1, name),
        onLine: (line) => lines.push(line),
      }),
  );
  // A record whose pid now runs something else.
  const bystander = spawn('sleep', ['30']);
  await mkdir(join(home, 'run'), { recursive: true });
  await writeFile(join(home, 'run', '03-gone.json'), JSON.stringify({ pid: bystander.pid, startTime: '1' }));
  await waitFor('both to handle SIGTERM', async () => lines.filter((l) => l === 'ready').length === 2, 10_000);

  expect(await stopLeftovers(home, 5_000)).toEqual(['second', 'first']);
  await Promise.all(started.map((p) => p.exited));
  expect(lines.filter((l) => l !== 'ready')).toEqual(['second', 'first']);
  expect(bystander.exitCode).toBeNull();
  bystander.kill();
  expect(await stopLeftovers(home)).toEqual([]);
});
