import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../test/support/wait.js';
import { restartPauseMs, SupervisedProcess } from './supervised-process.js';

describe('supervised platform components', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('pauses longer after each restart, up to 30 s', () => {
    expect([0, 1, 2, 3, 10].map(restartPauseMs)).toEqual([1000, 2000, 4000, 8000, 30_000]);
  });

  it('starts a component again when it dies, and not once it is stopped', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-supervised-'));
    dirs.push(dir);
    const starts = join(dir, 'starts');
    // Each start appends a line; the first two runs crash at once, later ones stay up.
    const script = `const fs=require('fs');fs.appendFileSync(${JSON.stringify(starts)},'x\\n');const n=fs.readFileSync(${JSON.stringify(starts)},'utf8').length/2;if(n<3)process.exit(7);setInterval(()=>{},1000);`;
    const reports: string[] = [];
    const supervised = new SupervisedProcess({ name: 'component', argv: [process.execPath, '-e', script] }, (line) => reports.push(line), () => 50);
    await waitFor('the third start', async () => (await readFile(starts, 'utf8').catch(() => '')).length === 6, 10_000);
    expect(reports).toEqual([
      'component exited unexpectedly (code 7); restarting it in 0.05 s',
      'component exited unexpectedly (code 7); restarting it in 0.05 s',
    ]);
    await supervised.stop();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await readFile(starts, 'utf8')).toBe('x\nx\nx\n');
    expect(supervised.process.running).toBe(false);
  });

  it('runs the component in a process group of its own: a signal to the supervisor\'s group does not reach it', async () => {
    const supervised = new SupervisedProcess({ name: 'component', argv: [process.execPath, '-e', 'setInterval(()=>{},1000)'] }, () => {});
    try {
      const pid = supervised.process.child.pid!;
      const group = Number((await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ')[2]);
      expect(group).toBe(pid);
      expect(group).not.toBe(Number((await readFile('/proc/self/stat', 'utf8')).split(') ')[1]!.split(' ')[2]));
    } finally {
      await supervised.stop();
    }
  });

  it('starts the backoff over after a run that lasted', async () => {
    const pauses: number[] = [];
    // Each run lives 150 ms; with 100 ms counting as stable, every crash is a first one.
    const supervised = new SupervisedProcess(
      { name: 'component', argv: [process.execPath, '-e', 'setTimeout(()=>process.exit(3),150)'] },
      () => {},
      (restarts) => (pauses.push(restarts), 10),
      100,
    );
    await waitFor('three restarts', async () => pauses.length >= 3, 10_000);
    await supervised.stop();
    expect(pauses.slice(0, 3)).toEqual([0, 0, 0]);
  });
});
