// How long the agent takes over an instance's life, against the real Docker Engine, NATS and
// registry:   npx vitest bench --run bench/agent/lifecycle.bench.ts
// Prints figures; asserts nothing about time.
import { performance } from 'node:perf_hooks';
import Docker from 'dockerode';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { silentLogger } from '../../common/logger.js';
import { decode, encode, instanceEvent, reply, runInstanceReply, subjects, type InstanceEvent } from '../../common/protocol.js';
import type { ImageRef } from '../../common/types.js';
import type { RunningService } from '../../supervisor/services.js';
import { startTestNats, startTestRegistry } from '../../test/support/services.js';
import { buildTestAppImage, removeTestAppImageReferences } from '../../test/support/test-image.js';
import { Agent } from '../../agent/agent.js';
import { natsConnectionOptions, parseAgentConfig } from '../../agent/config.js';
import { DockerContainerEngine } from '../../agent/docker-engine.js';
import { removeHostLeftovers, runRequest, uniqueHostId } from '../../agent/testing/agent-fixtures.js';
import { waitFor } from '../../test/support/wait.js';

const docker = new Docker();
const hostId = uniqueHostId('agent-bench');
const token = 'bench-token';
let nats: RunningService;
let registry: RunningService;
let image: ImageRef;
let controlPlane: NatsConnection;
let agentConnection: NatsConnection;
let agent: Agent;
const events: InstanceEvent[] = [];
const phases: Record<string, number[]> = { 'run → reply': [], 'reply → up': [], 'crash → crashed event': [], 'stop (SIGTERM honoured)': [] };

beforeAll(async () => {
  [nats, registry] = await Promise.all([startTestNats(), startTestRegistry()]);
  const buildStart = performance.now();
  image = await buildTestAppImage(docker, registry.url);
  console.log(`test image built (or found) and pushed in ${((performance.now() - buildStart) / 1000).toFixed(2)} s`);
  controlPlane = await connect({ servers: nats.url });
  controlPlane.subscribe(subjects.register(hostId), { callback: (_e, msg) => msg.respond(encode({ ok: true })) });
  controlPlane.subscribe(subjects.instanceEvent(hostId), { callback: (_e, msg) => events.push(decode(instanceEvent, msg.data)) });
  await controlPlane.flush();
  const config = parseAgentConfig(
    { SLIPWAY_HOST_ID: hostId, SLIPWAY_HOST_TOKEN: token, SLIPWAY_NATS_URL: nats.url, SLIPWAY_REGISTRY: registry.url },
    { memoryMb: 4096, cpus: 2 },
  );
  agentConnection = await connect(natsConnectionOptions(config));
  agent = new Agent(config, { nats: agentConnection, engine: new DockerContainerEngine(docker, hostId), log: silentLogger(), timing: { probeIntervalMs: 50 } });
  await agent.start();
});

afterAll(async () => {
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
  console.log('phase medians (ms):');
  for (const [phase, values] of Object.entries(phases)) {
    console.log(`  ${phase.padEnd(26)} ${median(values).toFixed(0).padStart(6)}  (n=${values.length}, min ${Math.min(...values).toFixed(0)}, max ${Math.max(...values).toFixed(0)})`);
  }
  await agent?.stop();
  await agentConnection?.close();
  await controlPlane?.close();
  await removeHostLeftovers(docker, [hostId]);
  await removeTestAppImageReferences(docker, registry.url);
  await Promise.all([nats?.stop(), registry?.stop()]);
});

const eventOf = (instanceId: string, state: InstanceEvent['state']) =>
  waitFor(`${state}`, () => events.find((e) => e.instanceId === instanceId && e.state === state));

async function runUntilUp(): Promise<{ instanceId: string; port: number }> {
  const request = runRequest(image);
  const start = performance.now();
  const answer = decode(runInstanceReply, (await controlPlane.request(subjects.run(hostId), encode(request), { timeout: 60_000 })).data);
  const replied = performance.now();
  if (!answer.ok) throw new Error(answer.error);
  await eventOf(request.instanceId, 'up');
  phases['run → reply']!.push(replied - start);
  phases['reply → up']!.push(performance.now() - replied);
  return { instanceId: request.instanceId, port: answer.port! };
}

describe('instance lifecycle', () => {
  bench(
    'run → up → stop → down',
    async () => {
      const { instanceId } = await runUntilUp();
      const start = performance.now();
      const stopped = decode(reply, (await controlPlane.request(subjects.stop(hostId), encode({ instanceId, graceSeconds: 10 }), { timeout: 60_000 })).data);
      if (!stopped.ok) throw new Error(stopped.error);
      phases['stop (SIGTERM honoured)']!.push(performance.now() - start);
    },
    { iterations: 8, time: 0, warmupIterations: 1, warmupTime: 0 },
  );

  bench(
    'run → up → crash → crashed',
    async () => {
      const { instanceId, port } = await runUntilUp();
      const start = performance.now();
      await fetch(`http://127.0.0.1:${port}/crash`, { signal: AbortSignal.timeout(5000) });
      await eventOf(instanceId, 'crashed');
      phases['crash → crashed event']!.push(performance.now() - start);
      await controlPlane.request(subjects.stop(hostId), encode({ instanceId, graceSeconds: 0 }), { timeout: 60_000 });
    },
    { iterations: 8, time: 0, warmupIterations: 1, warmupTime: 0 },
  );
});
