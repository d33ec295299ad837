import { describe, expect, it } from 'vitest';
import { runShutdownSteps, ShutdownStepTimeout } from './shutdown-steps.js';

describe('runShutdownSteps', () => {
  it('runs every step in order, past those that throw or reject, and names the failed ones', async () => {
    const ran: string[] = [];
    const failures: [string, string][] = [];
    const failed = await runShutdownSteps(
      [
        { name: 'passes', run: () => void ran.push('passes') },
        {
          name: 'usage',
          run: async () => {
            ran.push('usage');
            throw new Error('Connection is closed.');
          },
        },
        {
          name: 'scheduler',
          run: () => {
            ran.push('scheduler');
            throw new Error('sync');
          },
        },
        { name: 'agents', run: async () => void ran.push('agents') },
      ],
      (name, err) => failures.push([name, (err as Error).message]),
    );
    expect(ran).toEqual(['passes', 'usage', 'scheduler', 'agents']);
    expect(failed).toEqual(['usage', 'scheduler']);
    expect(failures).toEqual([
      ['usage', 'Connection is closed.'],
      ['scheduler', 'sync'],
    ]);
  });

  it('goes on past a step that hangs once its time is up', async () => {
    const ran: string[] = [];
    const errors: unknown[] = [];
    const failed = await runShutdownSteps(
      [
        { name: 'a close waiting on a peer', run: () => new Promise(() => {}), timeoutMs: 50 },
        { name: 'agents', run: () => void ran.push('agents') },
      ],
      (_name, err) => errors.push(err),
    );
    expect(ran).toEqual(['agents']);
    expect(failed).toEqual(['a close waiting on a peer']);
    expect(errors[0]).toBeInstanceOf(ShutdownStepTimeout);
  });
});
