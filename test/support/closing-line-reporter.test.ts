import { describe, expect, it } from 'vitest';
import { closingLine, countOutcomes } from './closing-line-reporter.js';

describe('the closing line of npm test', () => {
  it('counts each outcome and says them in the plain form CI reads', () => {
    const counts = countOutcomes(['passed', 'passed', 'failed', 'skipped', 'pending']);
    expect(counts).toEqual({ passed: 2, failed: 1, skipped: 2 });
    expect(closingLine(counts)).toBe('2 passed, 1 failed, 2 skipped');
  });

  it('says zero when nothing ran', () => {
    expect(closingLine(countOutcomes([]))).toBe('0 passed, 0 failed, 0 skipped');
  });
});
