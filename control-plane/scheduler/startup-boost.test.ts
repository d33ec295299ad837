import { describe, expect, it } from 'vitest';
import { bootCpus } from './startup-boost.js';

describe('bootCpus', () => {
  it('multiplies the dyno CPU by the boost', () => {
    expect(bootCpus(0.5, 2)).toEqual({ bootCpus: 1 });
    expect(bootCpus(1, 1.5)).toEqual({ bootCpus: 1.5 });
    expect(bootCpus(0.25, 3)).toEqual({ bootCpus: 0.75 });
  });

  it('asks for nothing when the boost is off', () => {
    expect(bootCpus(0.5, 1)).toEqual({});
  });
});
