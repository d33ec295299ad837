import { describe, expect, it } from 'vitest';
import { describeTimings, PhaseTimer } from './timings.js';

describe('PhaseTimer', () => {
  it('records each phase (adding repeats) and a total, even when a phase fails', async () => {
    const timer = new PhaseTimer();
    await timer.time('push', async () => 1);
    await timer.time('push', async () => 2);
    await expect(timer.time('dependencies', async () => { throw new Error('npm failed'); })).rejects.toThrow('npm failed');
    const result = timer.result();
    expect(Object.keys(result).sort()).toEqual(['dependencies', 'push', 'total']);
    for (const ms of Object.values(result)) expect(ms).toBeGreaterThanOrEqual(0);
  });

  it('describes timings in seconds', () => {
    expect(describeTimings({ source: 40, push: 1250, total: 1400 })).toBe('total 1.4 s (source 0.0 s, push 1.3 s)');
  });
});
