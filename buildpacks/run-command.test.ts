// runCommand against real processes: output by line, a failure with its tail, and an abort that
// stops the command (SIGTERM first, so it can clean up) and is never taken for success.
import { describe, expect, it } from 'vitest';
import { CommandError } from './errors.js';
import { runCommand } from './run-command.js';

describe('runCommand', () => {
  it('passes each line on and fails with the exit code and the last lines', async () => {
    const lines: string[] = [];
    const err = await runCommand(['sh', '-c', 'echo one; echo two >&2; exit 3'], { onLine: (line) => lines.push(line) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandError);
    expect((err as CommandError).exitCode).toBe(3);
    expect([...(err as CommandError).outputTail].sort()).toEqual(['one', 'two']);
    expect(lines.sort()).toEqual(['one', 'two']);
  });

  it('stops the command on abort with SIGTERM and rejects with the reason, even when it then exits 0', async () => {
    const controller = new AbortController();
    const lines: string[] = [];
    // exits 0 on SIGTERM, as a command that cleans up and leaves quietly would
    const script = 'trap "echo cleaned up; exit 0" TERM; echo started; while :; do sleep 0.05; done';
    const running = runCommand(['sh', '-c', script], {
      signal: controller.signal,
      onLine: (line) => {
        lines.push(line);
        if (line === 'started') controller.abort(new Error('stopping'));
      },
    });
    const started = Date.now();
    await expect(running).rejects.toThrow('stopping');
    expect(Date.now() - started).toBeLessThan(3000);
    expect(lines).toEqual(['started', 'cleaned up']);
  });

  it('starts nothing once aborted', async () => {
    const lines: string[] = [];
    await expect(runCommand(['sh', '-c', 'echo ran'], { signal: AbortSignal.abort(new Error('already stopped')), onLine: (line) => lines.push(line) })).rejects.toThrow('already stopped');
    expect(lines).toEqual([]);
  });
});
