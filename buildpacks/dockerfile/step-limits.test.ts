// The limits on a Dockerfile build's RUN steps, as written where (pure). build.test.ts runs
// them on the real engine.
import { describe, expect, it } from 'vitest';
import { cpuWeight, killedForMemory, stepLimitWrites } from './step-limits.js';

const limits = { memoryMb: 96, cpus: 0.5, pidsLimit: 256 };

describe('stepLimitWrites', () => {
  it('on cgroup v1 writes each controller hierarchy, memory+swap lifted before memory is set', () => {
    const { dirs, writes } = stepLimitWrites(1, '/docker/buildkit', limits);
    expect(dirs).toEqual(['memory/docker/buildkit', 'cpu/docker/buildkit', 'pids/docker/buildkit']);
    expect(writes).toEqual([
      { file: 'memory/docker/buildkit/memory.memsw.limit_in_bytes', value: '-1' },
      { file: 'memory/docker/buildkit/memory.limit_in_bytes', value: String(96 * 1024 * 1024) },
      { file: 'memory/docker/buildkit/memory.memsw.limit_in_bytes', value: String(96 * 1024 * 1024) },
      { file: 'cpu/docker/buildkit/cpu.cfs_period_us', value: '100000' },
      { file: 'cpu/docker/buildkit/cpu.cfs_quota_us', value: '50000' },
      { file: 'cpu/docker/buildkit/cpu.shares', value: '512' },
      { file: 'pids/docker/buildkit/pids.max', value: '256' },
    ]);
  });

  it('on cgroup v2 delegates the controllers down from the root, and allows no swap', () => {
    const { dirs, writes } = stepLimitWrites(2, '/docker/buildkit', { ...limits, cpus: 2 });
    expect(dirs).toEqual(['docker/buildkit']);
    expect(writes).toEqual([
      { file: 'cgroup.subtree_control', value: '+memory +cpu +pids' },
      { file: 'docker/cgroup.subtree_control', value: '+memory +cpu +pids' },
      { file: 'docker/buildkit/memory.max', value: String(96 * 1024 * 1024) },
      { file: 'docker/buildkit/memory.swap.max', value: '0' },
      { file: 'docker/buildkit/cpu.max', value: '200000 100000' },
      { file: 'docker/buildkit/cpu.weight', value: '20' },
      { file: 'docker/buildkit/pids.max', value: '256' },
    ]);
  });

  it('weighs a step as runc weighs a container of the same cpu shares', () => {
    expect([2, 512, 1024, 262144].map(cpuWeight)).toEqual([1, 20, 39, 10000]);
  });

  it('recognises a step killed by SIGKILL in BuildKit output', () => {
    expect(killedForMemory('ERROR: executor failed running [/bin/sh -c x]: exit code: 137')).toBe(true);
    expect(killedForMemory('ERROR: executor failed running [/bin/sh -c x]: exit code: 1')).toBe(false);
  });
});
