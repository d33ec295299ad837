import { describe, expect, it } from 'vitest';
import { nextRestartCount, restartDelayMs, RESTART_DELAY_CAP_MS, STABLE_RUN_MS } from './backoff.js';

describe('restart backoff', () => {
  it('restarts a few times at once, then doubles the delay up to the cap', () => {
    expect([0, 1, 2, 3, 4, 5].map(restartDelayMs)).toEqual([0, 0, 1000, 2000, 4000, 8000]);
    expect(restartDelayMs(50)).toBe(RESTART_DELAY_CAP_MS);
  });

  it('starts counting afresh after a long stable run', () => {
    expect(nextRestartCount(7, 1000)).toBe(8);
    expect(nextRestartCount(7, STABLE_RUN_MS)).toBe(1);
  });
});
