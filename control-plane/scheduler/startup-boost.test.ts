import { describe, expect, it } from 'vitest';
import { bootCpus } from './startup-boost.js';

describe('bootCpus', () => {
  it('multiplies the dyno CPU by the boost', () => {
    expect(bootCpus(0.5, 2, true)).toEqual({ bootCpus: 1 });
    expect(bootCpus(1, 1.5, true)).toEqual({ bootCpus: 1.5 });
    expect(bootCpus(0.25, 3, true)).toEqual({ bootCpus: 0.75 });
  });

  it('asks for nothing when the boost is off', () => {
    expect(bootCpus(0.5, 1, true)).toEqual({});
  });

  it('asks for nothing when no boot is waited for (a worker)', () => {
    expect(bootCpus(0.5, 2, false)).toEqual({});
  });
});
