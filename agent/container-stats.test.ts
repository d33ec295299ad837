import { describe, expect, it } from 'vitest';
import { containerStatsOf } from './container-stats.js';

describe('container stats as docker stats shows them', () => {
  it('takes the page cache out of memory (cgroup v2) and spreads CPU over the host’s CPUs', () => {
    const stats = containerStatsOf({
      memory_stats: { usage: 60 * 2 ** 20, limit: 512 * 2 ** 20, stats: { inactive_file: 10 * 2 ** 20 } },
      cpu_stats: { cpu_usage: { total_usage: 1_500_000_000 }, system_cpu_usage: 20_000_000_000, online_cpus: 2 },
      precpu_stats: { cpu_usage: { total_usage: 1_000_000_000 }, system_cpu_usage: 18_000_000_000 },
    });
    expect(stats).toEqual({ memoryRssBytes: 50 * 2 ** 20, memoryLimitBytes: 512 * 2 ** 20, cpuPercent: 50 });
  });

  it('reads cgroup v1’s cache field, counts one CPU when Docker names none, and reads an empty answer as nothing', () => {
    const stats = containerStatsOf({ memory_stats: { usage: 100, limit: 1000, stats: { total_inactive_file: 30 } }, cpu_stats: { cpu_usage: { total_usage: 5 }, system_cpu_usage: 10 }, precpu_stats: {} });
    expect(stats).toEqual({ memoryRssBytes: 70, memoryLimitBytes: 1000, cpuPercent: 50 });
    expect(containerStatsOf({})).toEqual({ memoryRssBytes: 0, memoryLimitBytes: 0, cpuPercent: 0 });
  });
});
