import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseProcStat, readProcStats, treeCpuSeconds, type ProcStat } from './cpu.js';

describe('process CPU', () => {
  it('reads pid, parent, name and user+system ticks, whatever the command name holds', () => {
    const line = '4242 (node (worker) x) S 17 4242 17 0 -1 4194560 9000 0 0 0 250 70 3 1 20 0 11 0 123 0 0';
    expect(parseProcStat(line)).toEqual({ pid: 4242, ppid: 17, name: 'node (worker) x', cpuSeconds: 3.2 });
    expect(() => parseProcStat('garbage')).toThrow(/not a \/proc stat line/);
  });

  it('adds up a process and, when asked, everything below it', () => {
    const stats: ProcStat[] = [
      { pid: 1, ppid: 0, name: 'p', cpuSeconds: 100 },
      { pid: 10, ppid: 1, name: 'p', cpuSeconds: 1 },
      { pid: 11, ppid: 10, name: 'p', cpuSeconds: 2 },
      { pid: 12, ppid: 11, name: 'p', cpuSeconds: 4 },
      { pid: 20, ppid: 1, name: 'p', cpuSeconds: 8 },
    ];
    expect(treeCpuSeconds(stats, [10], true)).toBe(7);
    expect(treeCpuSeconds(stats, [10], false)).toBe(1);
    expect(treeCpuSeconds(stats, [11, 20], true)).toBe(14);
    expect(treeCpuSeconds(stats, [99], true)).toBe(0);
  });

  it('measures real processes from /proc: a busy child shows up under its parent', async () => {
    const own = (await readProcStats()).find((stat) => stat.pid === process.pid);
    expect(own?.ppid).toBe(process.ppid);
    const child = spawn(process.execPath, ['-e', 'process.stdout.write("busy"); for (;;);'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      await new Promise((resolve) => child.stdout.once('data', resolve));
      const deadline = Date.now() + 10_000;
      let stats = await readProcStats();
      while (treeCpuSeconds(stats, [child.pid!], false) < 0.05 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        stats = await readProcStats();
      }
      const childOnly = treeCpuSeconds(stats, [child.pid!], false);
      expect(childOnly).toBeGreaterThanOrEqual(0.05);
      const underParent = treeCpuSeconds(stats, [process.pid], true) - treeCpuSeconds(stats, [process.pid], false);
      // Sums of tick counts / 100 in floating point: allow far less than one tick (0.01 s) of rounding.
      expect(underParent).toBeGreaterThanOrEqual(childOnly - 1e-9);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
