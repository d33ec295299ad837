// The contract every host provider must meet (tsuru's generic router suite is the model):
// call `hostProviderConformance` from a provider's test file with a factory for it.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostCredentials, HostProvider } from '../provider.js';

export interface ConformanceHarness {
  provider: HostProvider;
  /** Resolves once the host with these credentials has joined the platform (or rejects). */
  joined?: (credentials: HostCredentials) => Promise<void>;
  cleanup(): Promise<void>;
}

const credentials = (): HostCredentials => ({
  hostId: `conformance-${randomBytes(3).toString('hex')}`,
  token: `slwh_${randomBytes(32).toString('base64url')}`,
});

export function hostProviderConformance(name: string, makeHarness: () => Promise<ConformanceHarness>): void {
  describe(`host provider conformance: ${name}`, () => {
    let harness: ConformanceHarness;
    beforeAll(async () => {
      harness = await makeHarness();
    });
    afterAll(async () => {
      await harness?.cleanup();
    });

    it('adds one host per credentials entry, each with its own id, address and capacity', async () => {
      const wanted = [credentials(), credentials()];
      const added = await harness.provider.addHosts(wanted);
      expect(added.map((h) => h.id).sort()).toEqual(wanted.map((c) => c.hostId).sort());
      for (const host of added) {
        expect(host.provider).toBe(harness.provider.name);
        expect(host.address).not.toBe('');
        expect(host.capacity.memoryMb).toBeGreaterThan(0);
        expect(host.capacity.cpus).toBeGreaterThan(0);
      }
      const listed = (await harness.provider.list()).map((h) => h.id);
      for (const c of wanted) expect(listed).toContain(c.hostId);
      if (harness.joined) await Promise.all(wanted.map((c) => harness.joined!(c)));
    });

    it('removes a host, idempotently, leaving the others', async () => {
      const [keep, drop] = [credentials(), credentials()];
      await harness.provider.addHosts([keep, drop]);
      await harness.provider.removeHost(drop.hostId);
      await harness.provider.removeHost(drop.hostId);
      const listed = (await harness.provider.list()).map((h) => h.id);
      expect(listed).not.toContain(drop.hostId);
      expect(listed).toContain(keep.hostId);
    });

    it('treats removing an unknown host as done', async () => {
      await expect(harness.provider.removeHost('never-existed')).resolves.toBeUndefined();
    });
  });
}
