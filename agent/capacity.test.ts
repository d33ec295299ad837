import { describe, expect, it } from 'vitest';
import { capacityRefusal, MemoryLedger } from './capacity.js';

describe('capacityRefusal', () => {
  it('lets a run fill the host exactly', () => {
    expect(capacityRefusal('h', 'web.1', 1024, 512, 512)).toBeNull();
  });

  it('refuses a run past the capacity, saying what is needed and what is free', () => {
    expect(capacityRefusal('h', 'web.2', 1024, 768, 512)).toBe('host h is out of memory: web.2 needs 512 MB, 256 MB of 1024 MB free');
  });

  it('never reports negative free memory (a host already over, e.g. after adopting)', () => {
    expect(capacityRefusal('h', 'web.1', 512, 1024, 1)).toContain('0 MB of 512 MB free');
  });
});

describe('MemoryLedger', () => {
  it('holds what it admits and refuses what no longer fits', () => {
    const ledger = new MemoryLedger('h', 1024);
    expect(ledger.admit('a', 'web.1', 512)).toBeNull();
    expect(ledger.admit('b', 'web.2', 512)).toBeNull();
    expect(ledger.admit('c', 'web.3', 512)).toContain('needs 512 MB, 0 MB of 1024 MB free');
    expect(ledger.committedMb).toBe(1024);
  });

  it('gives memory back on release', () => {
    const ledger = new MemoryLedger('h', 512);
    ledger.admit('a', 'web.1', 512);
    ledger.release('a');
    expect(ledger.committedMb).toBe(0);
    expect(ledger.admit('b', 'web.2', 512)).toBeNull();
  });

  it('does not count an instance against its own new run', () => {
    const ledger = new MemoryLedger('h', 512);
    ledger.admit('a', 'web.1', 512);
    expect(ledger.admit('a', 'web.1', 512)).toBeNull();
    expect(ledger.committedMb).toBe(512);
  });

  it('counts adopted containers even past the capacity, and refuses more', () => {
    const ledger = new MemoryLedger('h', 512);
    ledger.hold('a', 384);
    ledger.hold('b', 384);
    expect(ledger.committedMb).toBe(768);
    expect(ledger.admit('c', 'web.3', 1)).not.toBeNull();
  });
});
