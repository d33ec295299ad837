import { describe, expect, it } from 'vitest';
import { stateChangeLines } from './membership.js';

describe('stateChangeLines', () => {
  it("says what Heroku says, with the reason of a crash that is not an exit", () => {
    expect(stateChangeLines('starting', 'up', null)).toEqual(['State changed from starting to up']);
    expect(stateChangeLines('up', 'crashed', 'failed 2 health checks in a row (GET /health answered 500)')).toEqual([
      'State changed from up to crashed: failed 2 health checks in a row (GET /health answered 500)',
    ]);
  });

  it('says the exit status first when the process exited, keeping a known cause', () => {
    expect(stateChangeLines('up', 'crashed', 'exited with code 1', 1)).toEqual(['Process exited with status 1', 'State changed from up to crashed']);
    expect(stateChangeLines('starting', 'crashed', 'exited with code 137 (out of memory)', 137)).toEqual([
      'Process exited with status 137 (out of memory)',
      'State changed from starting to crashed',
    ]);
  });

  it('stays quiet for no change and for the stops the platform makes itself', () => {
    expect(stateChangeLines('up', 'up', null)).toEqual([]);
    expect(stateChangeLines('up', 'stopping', null)).toEqual([]);
    expect(stateChangeLines('stopping', 'down', null)).toEqual([]);
  });
});
