import { describe, expect, it } from 'vitest';
import type { Host, Instance } from '../../common/types.js';
import { computeRoute } from './routes.js';

const at = '2026-01-01T00:00:00.000Z';
const host = (id: string, state: Host['state']): Host => ({ id, provider: 'local', state, address: '127.0.0.1', capacity: { memoryMb: 4096, cpus: 2 }, lastHeartbeat: at, createdAt: at });
const web = (id: string, hostId: string, state: Instance['state'] = 'up', port: number | null = 31000): Instance => ({
  id, appId: 'a', appName: 'hello', type: 'web', index: 1, releaseVersion: 1, hostId, size: 'basic', state, port,
  exitCode: null, reason: null, restarts: 0, createdAt: at, updatedAt: at,
});

describe('computeRoute', () => {
  it('routes to up web instances on every existing host, down ones included (health checks judge them)', () => {
    const hosts = [host('h1', 'up'), host('h2', 'down'), host('h3', 'draining')];
    const route = computeRoute({ id: 'app-1', name: 'hello' }, ['hello.localhost'], [
      web('b', 'h2'),
      web('a', 'h1'),
      web('c', 'h3'),
      web('starting', 'h1', 'starting', null),
      web('stopping', 'h1', 'stopping'),
      web('gone', 'removed-host'),
      { ...web('worker', 'h1'), type: 'worker' },
    ], hosts);
    expect(route.backends.map((b) => b.instanceId)).toEqual(['a', 'b', 'c']);
    expect(route).toMatchObject({ appName: 'hello', appId: 'app-1' });
  });

  it('carries maintenance mode, with the backends kept for when it ends', () => {
    const hosts = [host('h1', 'up')];
    const on = computeRoute({ id: 'app-1', name: 'hello', maintenance: true }, ['hello.localhost'], [web('a', 'h1')], hosts);
    expect(on).toMatchObject({ maintenance: true, backends: [{ instanceId: 'a' }] });
    expect(computeRoute({ id: 'app-1', name: 'hello', maintenance: false }, ['hello.localhost'], [web('a', 'h1')], hosts)).not.toHaveProperty('maintenance');
  });
});
