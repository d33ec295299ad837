// The local provider against the conformance suite, for real: agent processes on this
// machine joining a real control plane (real Redis and NATS) with their own credentials.
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { hashSecret } from '../../common/api-token.js';
import { compiledEntry } from '../../common/entry-points.js';
import { startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';
import { waitFor } from '../../test/support/wait.js';
import { hostProviderConformance } from '../testing/conformance.js';
import { agentEnv, LocalHostProvider } from './provider.js';

const noBuilds = { ready: true, prepare: async () => {}, build: async () => Promise.reject(new Error('no builds here')), tagImage: async () => {} };

hostProviderConformance('local', async () => {
  const cp: TestControlPlane = await startTestControlPlane({}, { builder: noBuilds });
  const provider = new LocalHostProvider({
    dir: join(cp.home, 'conformance-hosts'),
    nodePath: process.execPath,
    agentEntry: compiledEntry(import.meta.url, '../../agent/main.js'),
    natsUrl: () => cp.nats.url,
    registry: '127.0.0.1:1',
    capacity: { memoryMb: Math.floor(totalmem() / 1048576), cpus: cpus().length },
    stopInstancesOnExit: true,
    heartbeatMs: 500,
    onLine: () => {},
  });
  const { hosts } = cp.controlPlane.services;
  return {
    provider: {
      name: provider.name,
      list: () => provider.list(),
      removeHost: (id) => provider.removeHost(id),
      // The control plane issues credentials before a provider starts the host.
      addHosts: async (credentials) => {
        for (const c of credentials) {
          await hosts.setTokenHash(c.hostId, hashSecret(c.token));
          await hosts.save({ id: c.hostId, provider: 'local', state: 'down', address: '', capacity: { memoryMb: 0, cpus: 0 }, lastHeartbeat: null, createdAt: new Date().toISOString() });
        }
        return provider.addHosts(credentials);
      },
    },
    joined: async (c) => {
      await waitFor(`${c.hostId} to join`, async () => (await hosts.get(c.hostId))?.state === 'up', 30_000);
    },
    cleanup: async () => {
      await provider.stopAll();
      await cp.stop();
    },
  };
});

it('gives each local agent its own identity and credentials in its environment', () => {
  const env = agentEnv(
    { dir: '/x', nodePath: 'node', agentEntry: 'a.js', natsUrl: (id, token) => `nats://${id}:${token}@127.0.0.1:1`, registry: '127.0.0.1:2', capacity: { memoryMb: 1, cpus: 1 }, stopInstancesOnExit: true },
    { id: 'local-1', address: '127.0.0.1', capacity: { memoryMb: 512, cpus: 2 } },
    'slwh_secret',
    { PATH: '/bin', HOME: '/root', SECRET_ELSEWHERE: 'x' },
  );
  expect(env).toMatchObject({ SLIPWAY_HOST_ID: 'local-1', SLIPWAY_HOST_TOKEN: 'slwh_secret', SLIPWAY_NATS_URL: 'nats://local-1:slwh_secret@127.0.0.1:1', SLIPWAY_HOST_MEMORY_MB: '512', SLIPWAY_AGENT_STOP_INSTANCES_ON_EXIT: 'true' });
  expect(env).not.toHaveProperty('SECRET_ELSEWHERE');
});

it('passes the registry credentials file on to local agents when there is one, and nothing otherwise', () => {
  const options = { dir: '/x', nodePath: 'node', agentEntry: 'a.js', natsUrl: () => 'nats://127.0.0.1:1', registry: '127.0.0.1:2', capacity: { memoryMb: 1, cpus: 1 }, stopInstancesOnExit: true };
  const host = { id: 'local-1', address: '127.0.0.1', capacity: { memoryMb: 512, cpus: 2 } };
  const withFile = agentEnv({ ...options, registryAuthFile: '/run/slipway/registry/auth.json' }, host, 't', {});
  expect(withFile.SLIPWAY_REGISTRY_AUTH_FILE).toBe('/run/slipway/registry/auth.json');
  for (const registryAuthFile of [undefined, null]) {
    expect(agentEnv({ ...options, registryAuthFile }, host, 't', { SLIPWAY_REGISTRY_AUTH_FILE: '/elsewhere.json' })).not.toHaveProperty('SLIPWAY_REGISTRY_AUTH_FILE');
  }
});
