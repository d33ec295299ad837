import { describe, expect, it } from 'vitest';
import type { InstanceStatus } from '../common/protocol.js';
import { exitReason, nextStatus, startingStatus, type InstanceFact } from './instance-state.js';

const starting = startingStatus('i-1', 'shop');
const withState = (state: InstanceStatus['state']): InstanceStatus => ({ ...starting, state, port: 32768 });

describe('nextStatus', () => {
  it('records the published port when the container starts', () => {
    expect(nextStatus(starting, { kind: 'started', port: 32768 })).toEqual({ ...starting, port: 32768 });
  });

  it('goes up only from starting', () => {
    expect(nextStatus(withState('starting'), { kind: 'bound' })?.state).toBe('up');
    for (const state of ['up', 'crashed', 'stopping', 'down'] as const) {
      expect(nextStatus(withState(state), { kind: 'bound' })).toBeNull();
    }
  });

  it('reports an exit of a starting or up instance as a crash with its code', () => {
    const fact: InstanceFact = { kind: 'exited', exitCode: 3, oomKilled: false };
    expect(nextStatus(withState('up'), fact)).toEqual({ ...withState('up'), state: 'crashed', exitCode: 3, reason: 'exited with code 3' });
    expect(nextStatus(withState('starting'), fact)?.state).toBe('crashed');
  });

  it('does not report a crash for an instance stopping on purpose, or twice', () => {
    const fact: InstanceFact = { kind: 'exited', exitCode: 143, oomKilled: false };
    expect(nextStatus(withState('stopping'), fact)).toBeNull();
    expect(nextStatus(withState('down'), fact)).toBeNull();
    expect(nextStatus(withState('crashed'), fact)).toBeNull();
  });

  it('gives the R10 reason when $PORT was not bound in time', () => {
    expect(nextStatus(withState('starting'), { kind: 'bootTimedOut', bootTimeoutSeconds: 60 })).toEqual({
      ...withState('starting'),
      state: 'crashed',
      exitCode: null,
      reason: 'did not bind $PORT within 60 s',
    });
    expect(nextStatus(withState('up'), { kind: 'bootTimedOut', bootTimeoutSeconds: 60 })).toBeNull();
    expect(nextStatus(withState('starting'), { kind: 'bootTimedOut', bootTimeoutSeconds: 8, healthCheckPath: '/ready' })?.reason).toBe(
      'did not pass its health check (GET /ready) within 8 s',
    );
  });

  it('takes an up instance out when its health check failed, and only an up one', () => {
    expect(nextStatus(withState('up'), { kind: 'unhealthy', attempts: 3, detail: 'GET /health answered 503' })).toEqual({
      ...withState('up'),
      state: 'crashed',
      exitCode: null,
      reason: 'failed 3 health checks in a row (GET /health answered 503)',
    });
    expect(nextStatus(withState('starting'), { kind: 'unhealthy', attempts: 1, detail: 'x' })).toBeNull();
  });

  it('stops from any live state, once', () => {
    for (const state of ['starting', 'up', 'crashed'] as const) {
      expect(nextStatus(withState(state), { kind: 'stopping' })?.state).toBe('stopping');
    }
    expect(nextStatus(withState('stopping'), { kind: 'stopping' })).toBeNull();
  });

  it('ends down without a port', () => {
    expect(nextStatus(withState('stopping'), { kind: 'removed' })).toEqual({ ...withState('stopping'), state: 'down', port: null });
    expect(nextStatus(withState('down'), { kind: 'removed' })).toBeNull();
  });
});

describe('exitReason', () => {
  it('names the code, and out of memory when the kernel killed it', () => {
    expect(exitReason(1, false)).toBe('exited with code 1');
    expect(exitReason(137, true)).toBe('exited with code 137 (out of memory)');
    expect(exitReason(null, false)).toBe('exited');
  });
});
