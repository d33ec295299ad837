import { describe, expect, it } from 'vitest';
import { chooseHost, memoryInUseMb, type HostLoad } from './placement.js';

const load = (id: string, over: Partial<HostLoad> = {}): HostLoad => ({
  id,
  state: 'up',
  memoryMb: 4096,
  usedMemoryMb: 0,
  appInstances: 0,
  ...over,
});

describe('chooseHost', () => {
  it('prefers the host with the fewest instances of the app', () => {
    expect(chooseHost([load('a', { appInstances: 2 }), load('b', { appInstances: 1, usedMemoryMb: 3000 })], 512)).toBe('b');
  });

  it('then the one with the most free memory, then the lowest id', () => {
    expect(chooseHost([load('a', { usedMemoryMb: 1000 }), load('b')], 512)).toBe('b');
    expect(chooseHost([load('b'), load('a')], 512)).toBe('a');
  });

  it('skips hosts that are not up or lack room', () => {
    expect(chooseHost([load('a', { state: 'draining' }), load('b', { state: 'down' }), load('c', { usedMemoryMb: 3800 })], 512)).toBeNull();
  });
});

describe('memoryInUseMb', () => {
  it('counts every record not yet down, by its dyno size', () => {
    const records = [
      { state: 'up', size: 'basic' },
      { state: 'starting', size: 'standard' },
      { state: 'crashed', size: 'basic' },
      { state: 'stopping', size: 'performance' },
      { state: 'down', size: 'performance' },
    ] as const;
    expect(memoryInUseMb(records)).toBe(512 + 1024 + 512 + 2048);
    expect(memoryInUseMb([])).toBe(0);
  });
});
