import { describe, expect, it } from 'vitest';
import { localAgentsNotServing } from './local-agents.js';

describe('which local agents a start still waits for', () => {
  const since = Date.parse('2026-12-07T09:00:00Z');
  it('waits for a local host that never heartbeated, or only before this start', () => {
    const hosts = [
      { id: 'h-new', provider: 'local', last_heartbeat: null },
      { id: 'h-left', provider: 'local', last_heartbeat: '2026-12-07T08:59:59Z' },
      { id: 'h-back', provider: 'local', last_heartbeat: '2026-12-07T09:00:01Z' },
    ];
    expect(localAgentsNotServing(hosts, since)).toEqual(['h-new', 'h-left']);
  });

  it('does not wait for hosts of other providers (they join on their own time) or when there are none', () => {
    expect(localAgentsNotServing([{ id: 'h-aws', provider: 'aws', last_heartbeat: null }], since)).toEqual([]);
    expect(localAgentsNotServing([], since)).toEqual([]);
  });
});
