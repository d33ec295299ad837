import { describe, expect, it } from 'vitest';
import type { Host } from '../../common/types.js';
import { HearingWindow } from './hearing.js';
import { silentHosts } from './membership.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const host = (id: string, lastHeartbeatMs: number, state: Host['state'] = 'up'): Host => ({
  id, provider: 'local', state, address: '127.0.0.1', capacity: { memoryMb: 1024, cpus: 1 },
  lastHeartbeat: new Date(lastHeartbeatMs).toISOString(), createdAt: new Date(T0).toISOString(),
});

describe('silentHosts', () => {
  it('counts silence only from when the control plane could hear', () => {
    const hosts = [host('quiet', T0), host('talking', T0 + 9_000), host('already-down', T0, 'down')];
    // heard throughout: the quiet host is silent
    expect(silentHosts(hosts, T0 + 10_000, 6_000, T0 - 60_000).map((h) => h.id)).toEqual(['quiet']);
    // could hear only for 3 s (the link just came back): nobody is judged yet
    expect(silentHosts(hosts, T0 + 10_000, 6_000, T0 + 7_000)).toEqual([]);
    expect(silentHosts(hosts, T0 + 13_001, 6_000, T0 + 7_000).map((h) => h.id)).toEqual(['quiet']);
  });
});

describe('HearingWindow', () => {
  it('starts when the links answer, breaks when they do not, and restarts on a new leadership', () => {
    const window = new HearingWindow();
    expect(window.observe(true, 1_000)).toBe(1_000);
    expect(window.observe(true, 5_000)).toBe(1_000);
    expect(window.observe(false, 6_000)).toBeNull();
    expect(window.observe(true, 9_000)).toBe(9_000);
    window.reset();
    expect(window.observe(true, 12_000)).toBe(12_000);
  });
});
