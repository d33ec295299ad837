// AWS engine hosts through the Platform API: a real control plane (Redis, NATS, the wiring for
// SLIPWAY_HOST_PROVIDER=aws) over an in-memory auto scaling group whose instances boot by
// running the agent's enrollment and registration code over NATS.
import { connect } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newEnrollmentKeyPair } from '../../common/enrollment.js';
import { FakeAutoScaling } from '../../host-providers/aws/testing/fake-auto-scaling.js';
import { bootSimulatedInstance, type SimulatedInstance } from '../../host-providers/aws/testing/simulated-instance.js';
import { apiClient, startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';
import { waitFor } from '../../test/support/wait.js';

const SECRET = 'enrollment-secret-0123456789abcdef';
const GROUP = 'slipway-engine-api-test';

type HostJson = { id: string; provider: string; state: string; capacity: { memory_mb: number; cpus: number }; instances: number };

describe('AWS engine hosts through the API', () => {
  let cp: TestControlPlane;
  let group: FakeAutoScaling;
  let admin: ReturnType<typeof apiClient>;
  const booted = new Map<string, SimulatedInstance>();
  let next = 0;
  const hostList = async () => (await admin('GET', '/hosts')).body as HostJson[];

  beforeAll(async () => {
    group = new FakeAutoScaling({
      name: GROUP,
      minSize: 0,
      maxSize: 5,
      onLaunch: (instance) =>
        booted.set(
          instance.instanceId,
          bootSimulatedInstance({
            natsUrl: cp.nats.url,
            instanceId: instance.instanceId,
            address: `10.42.9.${++next}`,
            enrollmentSecret: SECRET,
            capacity: { memoryMb: 8192, cpus: 2 },
          }),
        ),
    });
    cp = await startTestControlPlane(
      {
        SLIPWAY_HOST_PROVIDER: 'aws',
        SLIPWAY_AWS_REGION: 'us-east-1',
        SLIPWAY_AWS_ENGINE_GROUP: GROUP,
        SLIPWAY_AWS_ENGINE_MEMORY_MB: '8192',
        SLIPWAY_AWS_ENGINE_CPUS: '2',
        SLIPWAY_ENROLLMENT_SECRET: SECRET,
        SLIPWAY_DRAIN_MS: '100',
      },
      { builder: { ready: true, prepare: async () => {}, build: async () => Promise.reject(new Error('no builds here')), tagImage: async () => {} }, autoScaling: group },
    );
    admin = apiClient(cp.url, cp.adminToken);
    // the group's size at creation (engineDesired, set by Pulumi): instances no one asked hosts for
    await group.setDesiredCapacity(GROUP, 1);
  });

  afterAll(async () => {
    await Promise.all([...booted.values()].map((instance) => instance.stop()));
    await cp?.stop();
  });

  it('the group\'s initial instances become hosts of their own', async () => {
    const [host] = await waitFor('the initial instance up as a host', async () => {
      const hosts = await hostList();
      return hosts.length === 1 && hosts[0]!.state === 'up' && hosts;
    }, 30_000);
    expect(host).toMatchObject({ provider: 'aws', capacity: { memory_mb: 8192, cpus: 2 } });
    expect(host!.id).toMatch(/^aws-[0-9a-f]{8}$/);
  });

  it('POST /hosts grows the group; each new instance enrolls as one of the new hosts', async () => {
    const added = await admin('POST', '/hosts', { count: 2 });
    expect(added.status).toBe(201);
    const ids = (added.body as HostJson[]).map((h) => h.id);
    expect(ids).toHaveLength(2);
    expect(group.desiredCapacity).toBe(3);
    const hosts = await waitFor('three hosts up', async () => {
      const all = await hostList();
      return all.length === 3 && all.every((h) => h.state === 'up') && all;
    }, 30_000);
    for (const id of ids) expect(hosts.map((h) => h.id)).toContain(id);
    // each host runs on an instance of its own
    const identities = await Promise.all([...booted.values()].map((instance) => instance.joined));
    expect(new Set(identities.map((identity) => identity.hostId)).size).toBe(3);
  });

  it('DELETE /hosts/{id} drains, ends exactly that instance, and revokes the host', async () => {
    const victim = (await hostList())[0]!;
    const instanceId = (await Promise.all([...booted.entries()].map(async ([id, instance]) => [id, (await instance.joined).hostId] as const))).find(
      ([, hostId]) => hostId === victim.id,
    )![0];
    const response = await admin('DELETE', `/hosts/${victim.id}`);
    expect(response.status).toBe(202);
    await waitFor('the host gone', async () => !(await hostList()).some((h) => h.id === victim.id), 30_000);
    expect(group.calls).toContain(`terminateInstanceAndDecrement ${instanceId}`);
    expect(group.desiredCapacity).toBe(2);
    expect(group.liveInstances().map((i) => i.instanceId)).not.toContain(instanceId);
    expect(await cp.controlPlane.services.hosts.verifyToken(victim.id, 'anything')).toBe(false);
    expect(await cp.controlPlane.services.hosts.get(victim.id)).toBeNull();
    // and that instance can never enroll again (here: it is no longer in the group either)
    const nats = await connect({ servers: cp.nats.url });
    try {
      const reply = await nats.request(
        'slipway.enroll',
        new TextEncoder().encode(JSON.stringify({ enrollmentSecret: SECRET, instanceId, address: '10.42.9.99', publicKey: newEnrollmentKeyPair().publicKey })),
        { timeout: 5000 },
      );
      expect(JSON.parse(new TextDecoder().decode(reply.data))).toMatchObject({ ok: false });
    } finally {
      await nats.close();
    }
    expect((await hostList()).filter((h) => h.state === 'up')).toHaveLength(2);
  });
});
