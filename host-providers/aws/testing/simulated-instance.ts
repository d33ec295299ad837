// Test support: what an engine host's agent does when its instance boots, without EC2 or
// Docker: enroll over NATS with the group's secret (the agent's own enrollment code), register
// with the identity it got (the agent's registration code), then heartbeat until stopped.
import { connect, type NatsConnection } from 'nats';
import { enrollUntilAccepted, type HostIdentity } from '../../../agent/enroll.js';
import { registerUntilAccepted } from '../../../agent/registration.js';
import { silentLogger } from '../../../common/logger.js';
import { encode, subjects } from '../../../common/protocol.js';
import type { HostCapacity } from '../../../common/types.js';

export interface SimulatedInstanceOptions {
  natsUrl: string;
  instanceId: string;
  address: string;
  enrollmentSecret: string;
  capacity: HostCapacity;
  heartbeatMs?: number;
}

export interface SimulatedInstance {
  /** Resolves with the identity once enrolled and registered. */
  joined: Promise<HostIdentity>;
  stop(): Promise<void>;
}

const POLICY = { initialMs: 50, maxMs: 500, rejectedMs: 500, requestTimeoutMs: 2000 };

export function bootSimulatedInstance(options: SimulatedInstanceOptions): SimulatedInstance {
  const stopping = new AbortController();
  let nats: NatsConnection | null = null;
  let beat: NodeJS.Timeout | null = null;
  const joined = (async () => {
    const connection = await connect({ servers: options.natsUrl, name: `instance-${options.instanceId}` });
    nats = connection;
    if (stopping.signal.aborted) await connection.close();
    stopping.signal.throwIfAborted();
    const request = async (subject: string, body: Uint8Array, timeout: number) => (await connection.request(subject, body, { timeout })).data;
    const identity = await enrollUntilAccepted({
      request,
      settings: { secret: options.enrollmentSecret, instanceId: options.instanceId, address: options.address },
      policy: POLICY,
      log: silentLogger(),
      signal: stopping.signal,
    });
    await registerUntilAccepted({
      request,
      message: { hostId: identity.hostId, token: identity.token, address: options.address, capacity: options.capacity, agentVersion: 'simulated' },
      policy: POLICY,
      log: silentLogger(),
      signal: stopping.signal,
    });
    const heartbeat = () =>
      connection.publish(
        subjects.heartbeat(identity.hostId),
        encode({ hostId: identity.hostId, token: identity.token, capacity: options.capacity, instances: [], at: new Date().toISOString() }),
      );
    stopping.signal.throwIfAborted();
    heartbeat();
    beat = setInterval(heartbeat, options.heartbeatMs ?? 500);
    return identity;
  })();
  joined.catch(() => undefined);
  return {
    joined,
    async stop() {
      stopping.abort();
      if (beat) clearInterval(beat);
      await (nats as NatsConnection | null)?.close().catch(() => undefined);
    },
  };
}
