import type { ContainerInspectInfo } from 'dockerode';
import { describe, expect, it } from 'vitest';
import { detailsFromInspect, parseContainerEvent, splitTimestamp } from './docker-facts.js';

function inspectInfo(state: Partial<ContainerInspectInfo['State']>, ports: Record<string, unknown> = {}): ContainerInspectInfo {
  return {
    Id: 'abc123',
    Config: { Labels: { 'slipway.host': 'h' } },
    State: {
      Status: 'running',
      Running: true,
      Paused: false,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      Pid: 1,
      ExitCode: 0,
      Error: '',
      StartedAt: '2025-01-02T03:04:05.123456789Z',
      FinishedAt: '0001-01-01T00:00:00Z',
      ...state,
    },
    NetworkSettings: { Ports: ports },
  } as unknown as ContainerInspectInfo;
}

describe('detailsFromInspect', () => {
  it('reads a running container with its published port', () => {
    const details = detailsFromInspect(inspectInfo({}, { '5000/tcp': [{ HostIp: '127.0.0.1', HostPort: '49153' }] }));
    expect(details).toEqual({
      id: 'abc123',
      labels: { 'slipway.host': 'h' },
      state: 'running',
      running: true,
      exitCode: null,
      oomKilled: false,
      startedAtMs: Date.parse('2025-01-02T03:04:05.123Z'),
      publishedPorts: { '5000/tcp': 49153 },
    });
  });

  it('reads an exited container: its code, and no ports', () => {
    const details = detailsFromInspect(inspectInfo({ Status: 'exited', Running: false, ExitCode: 3 }, { '5000/tcp': null }));
    expect(details).toMatchObject({ running: false, state: 'exited', exitCode: 3, publishedPorts: {} });
  });

  it('reads an out-of-memory kill', () => {
    expect(detailsFromInspect(inspectInfo({ Status: 'exited', Running: false, ExitCode: 137, OOMKilled: true }))).toMatchObject({
      exitCode: 137,
      oomKilled: true,
    });
  });

  it('reads the memory limit in MB, and none when the container has none', () => {
    const limited = { ...inspectInfo({}), HostConfig: { Memory: 512 * 1024 * 1024 } } as ContainerInspectInfo;
    expect(detailsFromInspect(limited).memoryMb).toBe(512);
    const unlimited = { ...inspectInfo({}), HostConfig: { Memory: 0 } } as ContainerInspectInfo;
    expect(detailsFromInspect(unlimited)).not.toHaveProperty('memoryMb');
  });

  it('knows a container that never started', () => {
    const details = detailsFromInspect(inspectInfo({ Status: 'created', Running: false, StartedAt: '0001-01-01T00:00:00Z' }));
    expect(details).toMatchObject({ exitCode: null, startedAtMs: null, running: false });
  });
});

describe('parseContainerEvent', () => {
  const die = {
    Type: 'container',
    Action: 'die',
    Actor: { ID: 'c1', Attributes: { exitCode: '3', image: 'x', name: 'n', 'slipway.host': 'h', 'slipway.instance': 'i-1' } },
    time: 1700000000,
  };

  it('reads a die event: container, exit code and labels', () => {
    expect(parseContainerEvent(die)).toEqual({
      action: 'die',
      containerId: 'c1',
      labels: { 'slipway.host': 'h', 'slipway.instance': 'i-1' },
      exitCode: 3,
      timeSeconds: 1700000000,
    });
  });

  it('reads an oom event, which has no exit code', () => {
    expect(parseContainerEvent({ ...die, Action: 'oom', Actor: { ID: 'c1', Attributes: {} } })).toMatchObject({ action: 'oom', exitCode: null });
  });

  it('ignores other events and garbage', () => {
    expect(parseContainerEvent({ ...die, Action: 'start' })).toBeNull();
    expect(parseContainerEvent({ ...die, Type: 'image' })).toBeNull();
    expect(parseContainerEvent(null)).toBeNull();
    expect(parseContainerEvent('die')).toBeNull();
  });
});

describe('splitTimestamp', () => {
  const now = () => new Date('2030-01-01T00:00:00.000Z');

  it('splits Docker timestamps off, to millisecond ISO 8601', () => {
    expect(splitTimestamp('2025-01-02T03:04:05.123456789Z listening on 5000', now)).toEqual({
      at: '2025-01-02T03:04:05.123Z',
      text: 'listening on 5000',
    });
  });

  it('keeps empty lines and inner spaces', () => {
    expect(splitTimestamp('2025-01-02T03:04:05.1Z ', now).text).toBe('');
    expect(splitTimestamp('2025-01-02T03:04:05.1Z a  b ', now).text).toBe('a  b ');
  });

  it('takes the current time for a line without a timestamp', () => {
    expect(splitTimestamp('no stamp here', now)).toEqual({ at: '2030-01-01T00:00:00.000Z', text: 'no stamp here' });
  });
});
