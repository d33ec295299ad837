import { describe, expect, it } from 'vitest';
import { stateChangeLine } from './membership.js';

describe('stateChangeLine', () => {
  it("says what Heroku says, with the reason of a crash", () => {
    expect(stateChangeLine('starting', 'up', null)).toBe('State changed from starting to up');
    expect(stateChangeLine('up', 'crashed', 'failed 2 health checks in a row (GET /health answered 500)')).toBe(
      'State changed from up to crashed: failed 2 health checks in a row (GET /health answered 500)',
    );
  });

  it('stays quiet for no change and for the stops the platform makes itself', () => {
    expect(stateChangeLine('up', 'up', null)).toBeNull();
    expect(stateChangeLine('up', 'stopping', null)).toBeNull();
    expect(stateChangeLine('stopping', 'down', null)).toBeNull();
  });
});
