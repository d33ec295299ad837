// The agent end to end: real Docker Engine, real NATS, real registry, and a fake control
// plane in this file that answers registrations and sends run/stop/list requests.
import Docker from 'dockerode';
import { connect, type NatsConnection, type Subscription } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decode,
  encode,
  heartbeat,
  instanceEvent,
  listInstancesReply,
  logLine,
  registerRequest,
  reply,
  runInstanceReply,
  subjects,
  type Heartbeat,
  type InstanceEvent,
  type LogLine,
  type RegisterRequest,
  type RunInstanceRequest,
  type RunOneOffRequest,
} from '../common/protocol.js';
import type { ImageRef } from '../common/types.js';
import type { RunningService } from '../supervisor/services.js';
import { startTestNats, startTestRegistry } from '../test/support/services.js';
import { buildTestAppImage, removeTestAppImageReferences } from '../test/support/test-image.js';
import { Agent, type AgentTiming } from './agent.js';
import { natsConnectionOptions, parseAgentConfig, type AgentConfig } from './config.js';
import { containerSpec } from './container-spec.js';
import { DockerContainerEngine } from './docker-engine.js';
import { LABELS } from './labels.js';
import { capturingLogger, removeHostLeftovers, runRequest, uniqueHostId } from './testing/agent-fixtures.js';
import { waitFor } from '../test/support/wait.js';

const docker = new Docker();
let nats: RunningService;
let registry: RunningService;
let image: ImageRef;
let controlPlane: NatsConnection;
const hostIds: string[] = [];
const running: { agent: Agent; connection: NatsConnection; logLines: string[] }[] = [];

/** The fake control plane: who may join, and everything agents told it. */
const tokens = new Map<string, string>();
const registrations: RegisterRequest[] = [];
const heartbeats: Heartbeat[] = [];
const events: InstanceEvent[] = [];
const logs: LogLine[] = [];
const subscriptions: Subscription[] = [];

beforeAll(async () => {
  [nats, registry] = await Promise.all([startTestNats(), startTestRegistry()]);
  image = await buildTestAppImage(docker, registry.url);
  controlPlane = await connect({ servers: nats.url });
  subscriptions.push(
    controlPlane.subscribe(subjects.allRegistrations, {
      callback: (_err, msg) => {
        const request = decode(registerRequest, msg.data);
        registrations.push(request);
        const accepted = tokens.get(request.hostId) === request.token && msg.subject === subjects.register(request.hostId);
        msg.respond(encode(accepted ? { ok: true } : { ok: false, error: 'unknown or revoked host credentials' }));
      },
    }),
    controlPlane.subscribe(subjects.allHeartbeats, { callback: (_err, msg) => heartbeats.push(decode(heartbeat, msg.data)) }),
    controlPlane.subscribe(subjects.allInstanceEvents, { callback: (_err, msg) => events.push(decode(instanceEvent, msg.data)) }),
    controlPlane.subscribe(subjects.allLogs, { callback: (_err, msg) => logs.push(decode(logLine, msg.data)) }),
  );
  await controlPlane.flush();
});

afterAll(async () => {
  for (const { agent, connection } of running) {
    await agent.stop().catch(() => {}); // a failed test's agent: its containers go below anyway
    await connection.close();
  }
  await removeHostLeftovers(docker, hostIds);
  for (const subscription of subscriptions) subscription.unsubscribe();
  await controlPlane?.close();
  await removeTestAppImageReferences(docker, registry.url);
  await Promise.all([nats?.stop(), registry?.stop()]);
});

interface TestHost {
  hostId: string;
  config: AgentConfig;
}

/** A host the fake control plane knows (unless `known` is false). */
function newHost(prefix: string, env: Record<string, string> = {}, known = true): TestHost {
  const hostId = uniqueHostId(prefix);
  hostIds.push(hostId);
  const token = `token-${hostId}`;
  if (known) tokens.set(hostId, token);
  const config = parseAgentConfig(
    {
      SLIPWAY_HOST_ID: hostId,
      SLIPWAY_HOST_TOKEN: token,
      SLIPWAY_NATS_URL: nats.url,
      SLIPWAY_REGISTRY: registry.url,
      SLIPWAY_HEARTBEAT_MS: '300',
      ...env,
    },
    { memoryMb: 4096, cpus: 2 },
  );
  return { hostId, config };
}

const fastTiming: Partial<AgentTiming> = {
  register: { initialMs: 50, maxMs: 200, rejectedMs: 200, requestTimeoutMs: 1000 },
  probeIntervalMs: 100,
  eventsRetryMs: 200,
};

async function launch(host: TestHost, engine = new DockerContainerEngine(docker, host.hostId)): Promise<{ agent: Agent; started: Promise<void>; logLines: string[]; stop(): Promise<void> }> {
  const connection = await connect(natsConnectionOptions(host.config));
  const { log, lines } = capturingLogger();
  const agent = new Agent(host.config, { nats: connection, engine, log, timing: fastTiming });
  const entry = { agent, connection, logLines: lines };
  running.push(entry);
  const started = agent.start();
  started.catch(() => {});
  return {
    agent,
    started,
    logLines: lines,
    stop: async () => {
      try {
        await agent.stop();
      } finally {
        await connection.close();
        running.splice(running.indexOf(entry), 1);
      }
    },
  };
}

async function run(hostId: string, request: RunInstanceRequest) {
  return decode(runInstanceReply, (await controlPlane.request(subjects.run(hostId), encode(request), { timeout: 60_000 })).data);
}

async function stop(hostId: string, instanceId: string, graceSeconds = 5) {
  return decode(reply, (await controlPlane.request(subjects.stop(hostId), encode({ instanceId, graceSeconds }), { timeout: 60_000 })).data);
}

async function list(hostId: string) {
  return decode(listInstancesReply, (await controlPlane.request(subjects.list(hostId), encode({}), { timeout: 5000 })).data);
}

function eventOf(instanceId: string, state: InstanceEvent['state']): Promise<InstanceEvent> {
  return waitFor(`${instanceId} ${state}`, () => events.find((event) => event.instanceId === instanceId && event.state === state));
}

async function get(port: number, path = '/'): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5000) });
  return { status: response.status, body: await response.text() };
}

/** For containers a test creates itself: the agent's image by digest, pulled if need be. */
async function ensureImage(reference: string): Promise<void> {
  const engine = new DockerContainerEngine(docker, 'image-puller');
  if (!(await engine.hasImage(reference))) await engine.pullImage(reference);
}

async function containersOf(hostId: string, instanceId?: string) {
  const label = [`${LABELS.host}=${hostId}`, ...(instanceId ? [`${LABELS.instance}=${instanceId}`] : [])];
  return docker.listContainers({ all: true, filters: { label } });
}

describe('agent with a registered host', () => {
  let host: TestHost;
  let agentLogs: string[];

  beforeAll(async () => {
    host = newHost('agent-a');
    const launched = await launch(host);
    agentLogs = launched.logLines;
    await launched.started;
  });

  it('registered with its credentials, address, capacity and version', () => {
    expect(registrations.find((r) => r.hostId === host.hostId)).toEqual({
      hostId: host.hostId,
      token: host.config.token,
      address: '127.0.0.1',
      capacity: { memoryMb: 4096, cpus: 2 },
      agentVersion: expect.any(String),
    });
  });

  it('runs an instance that binds $PORT: up, reachable, configured, confined', async () => {
    const request = runRequest(image, { appName: 'hello', env: { GREETING: 'config-value-123', PORT: '1' } });
    const answer = await run(host.hostId, request);
    expect(answer).toEqual({ ok: true, containerId: expect.any(String), port: expect.any(Number) });
    const port = answer.port!;

    const up = await eventOf(request.instanceId, 'up');
    expect(up).toMatchObject({ hostId: host.hostId, appName: 'hello', port, exitCode: null, reason: null });
    expect(events.filter((e) => e.instanceId === request.instanceId).map((e) => e.state)).toEqual(['starting', 'up']);

    expect(await get(port)).toEqual({ status: 200, body: 'hello from web.1\n' });
    expect((await get(port, '/env/GREETING')).body).toBe('config-value-123');
    expect((await get(port, '/env/PORT')).body).toBe('5000');
    expect((await get(port, '/env/DYNO')).body).toBe('web.1');
    expect((await get(port, '/uid')).body).toBe('1000:1000');

    const info = await docker.getContainer(answer.containerId!).inspect();
    expect(info.Config.User).toBe('1000:1000');
    expect(info.Config.Labels).toMatchObject({ 'io.slipway.host': host.hostId, 'io.slipway.instance': request.instanceId, 'io.slipway.app': 'hello' });
    expect(info.HostConfig.Memory).toBe(128 * 1024 * 1024);
    expect(info.HostConfig.MemorySwap).toBe(128 * 1024 * 1024);
    expect(info.HostConfig.NanoCpus).toBe(500_000_000);
    expect(info.HostConfig.Privileged).toBe(false);
    expect(info.HostConfig.CapDrop).toEqual(['ALL']);
    expect(info.HostConfig.SecurityOpt).toEqual(['no-new-privileges']);
    expect(info.HostConfig.Init).toBe(true);
    expect(info.HostConfig.RestartPolicy?.Name).toBe('no');
    expect(info.Mounts).toEqual([]);
    expect(info.NetworkSettings.Ports['5000/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: String(port) }]);

    const listed = await list(host.hostId);
    expect(listed.instances).toContainEqual({ instanceId: request.instanceId, appName: 'hello', state: 'up', port, exitCode: null, reason: null });
    const beat = await waitFor('a heartbeat with the instance up', () =>
      heartbeats.find((b) => b.hostId === host.hostId && b.instances.some((i) => i.instanceId === request.instanceId && i.state === 'up')),
    );
    expect(beat).toMatchObject({ token: host.config.token, capacity: { memoryMb: 4096, cpus: 2 } });

    // Its output reaches the app's log stream, as web.1.
    const line = await waitFor('the boot log line', () => logs.find((l) => l.appName === 'hello' && l.line === 'booting web.1'));
    expect(line).toMatchObject({ source: 'app', process: 'web.1' });
    await waitFor('the request log line', () => logs.find((l) => l.appName === 'hello' && l.line === 'GET /uid'));

    // Config vars never reach the agent's own log.
    expect(agentLogs.length).toBeGreaterThan(0);
    expect(agentLogs.join('\n')).not.toContain('config-value-123');
  });

  it('boots an instance on its boot CPU limit and holds it to its dyno\'s once up (startup CPU boost)', async () => {
    const request = runRequest(image, { cpus: 0.5, bootCpus: 1, env: { BIND_AFTER_MS: '1500' } });
    const answer = await run(host.hostId, request);
    expect(answer.ok).toBe(true);
    const container = docker.getContainer(answer.containerId!);
    // Booting: the boost, in Docker's record and in the cgroup the kernel enforces.
    expect((await container.inspect()).HostConfig.NanoCpus).toBe(1_000_000_000);
    expect(events.some((e) => e.instanceId === request.instanceId && e.state === 'up')).toBe(false);

    await eventOf(request.instanceId, 'up');
    // Docker records the new limit before it writes the cgroup: wait for what the kernel enforces.
    await waitFor('the dyno\'s CPU limit in the cgroup', async () => ((await get(answer.port!, '/cpu-limit')).body === '0.5' ? true : undefined));
    expect((await container.inspect()).HostConfig.NanoCpus).toBe(500_000_000);
    expect((await container.inspect()).Config.Labels).toMatchObject({ 'io.slipway.cpus': '0.5' });
  });

  it('reports a crash on boot with exit code 1', async () => {
    const request = runRequest(image, { env: { CRASH_ON_BOOT: '1' } });
    expect((await run(host.hostId, request)).ok).toBe(true);
    const crashed = await eventOf(request.instanceId, 'crashed');
    expect(crashed).toMatchObject({ exitCode: 1, reason: 'exited with code 1' });
    expect(events.some((e) => e.instanceId === request.instanceId && e.state === 'up')).toBe(false);
    await waitFor('the dead container removed', async () => ((await containersOf(host.hostId, request.instanceId)).length === 0 ? true : undefined));
    expect((await list(host.hostId)).instances).toContainEqual(expect.objectContaining({ instanceId: request.instanceId, state: 'crashed', exitCode: 1 }));
  });

  it('stops an instance that never binds $PORT and reports R10', async () => {
    const request = runRequest(image, { env: { NO_BIND: '1' }, bootTimeoutSeconds: 2 });
    const answer = await run(host.hostId, request);
    expect(answer.ok).toBe(true);
    const crashed = await eventOf(request.instanceId, 'crashed');
    expect(crashed.reason).toBe('did not bind $PORT within 2 s');
    expect(events.some((e) => e.instanceId === request.instanceId && e.state === 'up')).toBe(false);
    await waitFor('the container removed', async () => ((await containersOf(host.hostId, request.instanceId)).length === 0 ? true : undefined));
    // The process was alive and said why it did not bind: the check was not fooled by Docker's proxy.
    expect(logs.some((l) => l.line === 'not binding $PORT as asked (NO_BIND=1)')).toBe(true);
  });

  it('reports an instance killed at its memory limit as out of memory', async () => {
    const request = runRequest(image, { memoryMb: 64 });
    const answer = await run(host.hostId, request);
    await eventOf(request.instanceId, 'up');
    expect((await get(answer.port!, '/oom')).body).toBe('allocating\n');
    const crashed = await eventOf(request.instanceId, 'crashed');
    expect(crashed).toMatchObject({ exitCode: 137, reason: 'exited with code 137 (out of memory)' });
  });

  it('reports up without a port check when none is asked for', async () => {
    const request = runRequest(image, { type: 'worker', env: { NO_BIND: '1' }, checkPort: false });
    expect((await run(host.hostId, request)).ok).toBe(true);
    await eventOf(request.instanceId, 'up');
    expect((await stop(host.hostId, request.instanceId, 0)).ok).toBe(true);
  });

  it('stops gracefully: SIGTERM reaches the app, the container is removed, the state is down', async () => {
    const request = runRequest(image, { appName: 'stopper' });
    const answer = await run(host.hostId, request);
    await eventOf(request.instanceId, 'up');

    expect(await stop(host.hostId, request.instanceId, 10)).toEqual({ ok: true });
    expect(events.filter((e) => e.instanceId === request.instanceId).map((e) => e.state)).toEqual(['starting', 'up', 'stopping', 'down']);
    expect(await containersOf(host.hostId, request.instanceId)).toEqual([]);
    await expect(docker.getContainer(answer.containerId!).inspect()).rejects.toThrow();
    expect(logs.some((l) => l.appName === 'stopper' && l.line === 'received SIGTERM, exiting')).toBe(true);
    expect((await list(host.hostId)).instances.some((i) => i.instanceId === request.instanceId)).toBe(false);

    // Stopping again, or stopping what it never ran, is fine.
    expect(await stop(host.hostId, request.instanceId)).toEqual({ ok: true });
    expect(await stop(host.hostId, 'never-ran')).toEqual({ ok: true });
  });

  it('kills an app that ignores SIGTERM once the grace period is over', async () => {
    const request = runRequest(image, { env: { IGNORE_SIGTERM: '1' } });
    await run(host.hostId, request);
    await eventOf(request.instanceId, 'up');
    expect(await stop(host.hostId, request.instanceId, 1)).toEqual({ ok: true });
    expect(await containersOf(host.hostId, request.instanceId)).toEqual([]);
    expect(events.some((e) => e.instanceId === request.instanceId && e.state === 'crashed')).toBe(false);
  });

  it('answers bad requests with an error and keeps serving', async () => {
    const garbage = decode(reply, (await controlPlane.request(subjects.run(host.hostId), new TextEncoder().encode('{nope'), { timeout: 5000 })).data);
    expect(garbage).toEqual({ ok: false, error: 'invalid request: not valid JSON' });
    const invalid = decode(reply, (await controlPlane.request(subjects.run(host.hostId), encode({ instanceId: 'x' }), { timeout: 5000 })).data);
    expect(invalid.ok).toBe(false);
    const missingImage = await run(host.hostId, runRequest({ repository: image.repository, digest: `sha256:${'e'.repeat(64)}` }));
    expect(missingImage.ok).toBe(false);
    expect(missingImage.error).toMatch(/could not start web\.1/);
    expect((await list(host.hostId)).ok).toBe(true);
  });
});

describe('agent watching Docker events', () => {
  it('reports a crash of a running instance at once, not at the next heartbeat', async () => {
    // Heartbeats (and their reconcile) only every minute: the report must come from the event.
    const host = newHost('agent-events', { SLIPWAY_HEARTBEAT_MS: '60000' });
    const launched = await launch(host);
    await launched.started;
    const request = runRequest(image);
    const answer = await run(host.hostId, request);
    await eventOf(request.instanceId, 'up');

    expect((await get(answer.port!, '/crash')).body).toBe('crashing\n');
    const crashed = await waitFor('crashed', () => events.find((e) => e.instanceId === request.instanceId && e.state === 'crashed'), 10_000);
    expect(crashed).toMatchObject({ exitCode: 3, reason: 'exited with code 3' });
    await launched.stop();
  });
});

describe('agent and other hosts', () => {
  it('never touches a container labeled for another host, through stop, list or exit', async () => {
    const host = newHost('agent-own', { SLIPWAY_AGENT_STOP_INSTANCES_ON_EXIT: 'true' });
    const otherHostId = uniqueHostId('agent-other');
    hostIds.push(otherHostId);
    const foreignRequest = runRequest(image);
    const foreignSpec = containerSpec(foreignRequest, { hostId: otherHostId, registry: registry.url, address: '127.0.0.1' });
    await ensureImage(foreignSpec.Image!);
    const launched = await launch(host);
    await launched.started;
    const own = runRequest(image);
    await run(host.hostId, own);
    await eventOf(own.instanceId, 'up');
    const foreign = await docker.createContainer(foreignSpec);
    await foreign.start();

    expect((await list(host.hostId)).instances.map((i) => i.instanceId)).toEqual([own.instanceId]);
    expect(await stop(host.hostId, foreignRequest.instanceId, 0)).toEqual({ ok: true });
    expect((await foreign.inspect()).State.Running).toBe(true);

    await launched.stop();
    expect(await containersOf(host.hostId)).toEqual([]);
    // Published as the agent stopped: it may reach this test's subscription just after.
    await eventOf(own.instanceId, 'down');
    expect((await foreign.inspect()).State.Running).toBe(true);
    expect(events.some((e) => e.instanceId === foreignRequest.instanceId)).toBe(false);
    await foreign.remove({ force: true });
  });
});

/** Docker Engine as it is, except that it refuses to list containers once told to. */
class EngineRefusingListings extends DockerContainerEngine {
  refuseListings = false;
  override async listContainers(selector: Record<string, string>) {
    if (this.refuseListings) throw new Error('listing refused (a Docker Engine failing under the test)');
    return super.listContainers(selector);
  }
}

describe('agent stop on exit (stopInstancesOnExit)', () => {
  it('removes its instances and one-off runs', async () => {
    const host = newHost('agent-exit', { SLIPWAY_AGENT_STOP_INSTANCES_ON_EXIT: 'true' });
    const launched = await launch(host);
    await launched.started;
    const request = runRequest(image);
    expect((await run(host.hostId, request)).ok).toBe(true);
    await eventOf(request.instanceId, 'up');
    await runLongOneOff(host.hostId);
    await launched.stop();
    expect(await containersOf(host.hostId)).toEqual([]);
    expect(events).toContainEqual(expect.objectContaining({ instanceId: request.instanceId, state: 'down' }));
  });

  it('runs every step of its stop when one fails: Docker refusing the instances\' listing still lets the one-off runs be killed', async () => {
    const host = newHost('agent-exit-fail', { SLIPWAY_AGENT_STOP_INSTANCES_ON_EXIT: 'true' });
    const engine = new EngineRefusingListings(docker, host.hostId);
    const launched = await launch(host, engine);
    await launched.started;
    const request = runRequest(image);
    expect((await run(host.hostId, request)).ok).toBe(true);
    await eventOf(request.instanceId, 'up');
    const oneOffContainer = await runLongOneOff(host.hostId);

    engine.refuseListings = true;
    // The instances' stop and the add-ons' stop start with a listing; the one-off runs' does not.
    await expect(launched.stop()).rejects.toThrow("the agent's stop failed at: instances, add-on servers");
    expect((await containersOf(host.hostId)).map((c) => c.Id)).not.toContain(oneOffContainer);
    expect(launched.logLines.filter((line) => line.includes('a step of the agent') && line.includes('"step":"instances"'))).toHaveLength(1);
  });
});

/** Starts a one-off run that would outlive the test; returns its container's id. */
async function runLongOneOff(hostId: string): Promise<string> {
  const runId = `r-${Math.random().toString(16).slice(2, 10)}`;
  const request: RunOneOffRequest = {
    runId,
    appId: 'app-1',
    appName: 'shop',
    dyno: 'run.1',
    image,
    command: 'sleep 600',
    env: {},
    memoryMb: 64,
    cpus: 0.5,
    timeoutSeconds: 600,
    tty: null,
    addons: [],
  };
  expect(decode(reply, (await controlPlane.request(subjects.oneOff(hostId), encode(request), { timeout: 60_000 })).data)).toEqual({ ok: true });
  const running = await waitFor(`one-off ${runId} running`, async () =>
    (await containersOf(hostId)).find((c) => c.Labels[LABELS.oneOff] === runId && c.State === 'running'),
  );
  return running.Id;
}

describe('agent restart', () => {
  it('adopts its running containers and reports the ones that died while it was away', async () => {
    const host = newHost('agent-restart');
    const first = await launch(host);
    await first.started;
    const survivor = runRequest(image, { appName: 'survivor' });
    const casualty = runRequest(image, { appName: 'casualty', index: 2 });
    const survivorReply = await run(host.hostId, survivor);
    const casualtyReply = await run(host.hostId, casualty);
    await eventOf(survivor.instanceId, 'up');
    await eventOf(casualty.instanceId, 'up');

    await first.stop();
    expect((await containersOf(host.hostId)).map((c) => c.State)).toEqual(['running', 'running']);
    // While no agent watches, one instance crashes.
    await get(casualtyReply.port!, '/crash');
    await docker.getContainer(casualtyReply.containerId!).wait();

    const second = await launch(host);
    await second.started;
    const instances = (await list(host.hostId)).instances;
    expect(instances).toContainEqual({ instanceId: survivor.instanceId, appName: 'survivor', state: 'up', port: survivorReply.port!, exitCode: null, reason: null });
    expect(instances).toContainEqual(expect.objectContaining({ instanceId: casualty.instanceId, state: 'crashed', exitCode: 3, reason: 'exited with code 3' }));
    expect(await containersOf(host.hostId, casualty.instanceId)).toEqual([]);

    // It follows the adopted instance again: its output and its death.
    await get(survivorReply.port!, '/adopted');
    await waitFor('a log line after adoption', () => logs.find((l) => l.appName === 'survivor' && l.line === 'GET /adopted'));
    await get(survivorReply.port!, '/crash');
    expect(await waitFor('crashed', () => events.find((e) => e.instanceId === survivor.instanceId && e.state === 'crashed'))).toMatchObject({ exitCode: 3 });
    await second.stop();
  });
});

describe('agent capacity', () => {
  it('refuses a run that would exceed its memory, also after a restart, and runs it once there is room', async () => {
    const host = newHost('agent-full', { SLIPWAY_HOST_MEMORY_MB: '256' });
    const first = await launch(host);
    await first.started;
    const a = runRequest(image, { appName: 'full', index: 1, memoryMb: 128 });
    const b = runRequest(image, { appName: 'full', index: 2, memoryMb: 128 });
    const c = runRequest(image, { appName: 'full', index: 3, memoryMb: 128 });
    expect((await run(host.hostId, a)).ok).toBe(true);
    // Two runs at once for the last 128 MB: one gets it, the other is refused.
    const [second, third] = await Promise.all([run(host.hostId, b), run(host.hostId, c)]);
    const refused = second.ok ? c : b;
    expect([second.ok, third.ok].sort()).toEqual([false, true]);
    expect(second.ok ? third : second).toEqual({
      ok: false,
      error: `host ${host.hostId} is out of memory: web.${refused.index} needs 128 MB, 0 MB of 256 MB free`,
    });
    expect(await containersOf(host.hostId, refused.instanceId)).toEqual([]);
    expect(events.some((e) => e.instanceId === refused.instanceId)).toBe(false);

    // A restarted agent counts the containers it adopts (their limits, as Docker has them).
    await first.stop();
    const again = await launch(host);
    await again.started;
    expect((await run(host.hostId, refused)).error).toMatch(/is out of memory/);

    // Once an instance stops, its memory is free for the refused one.
    const kept = refused === b ? c : b;
    expect(await stop(host.hostId, kept.instanceId, 0)).toEqual({ ok: true });
    expect((await run(host.hostId, refused)).ok).toBe(true);
    expect((await containersOf(host.hostId)).length).toBe(2);
    await again.stop();
  });
});

describe('agent with wrong credentials', () => {
  it('runs nothing until the control plane accepts it', async () => {
    const host = newHost('agent-unknown', {}, false);
    const launched = await launch(host);
    await waitFor('two refused registrations', () =>
      registrations.filter((r) => r.hostId === host.hostId).length >= 2 ? true : undefined,
    );
    expect(launched.logLines.some((line) => line.includes('refused this host') && line.includes('"level":50'))).toBe(true);
    expect(launched.logLines.join('\n')).not.toContain(host.config.token);

    // Nobody answers its commands, it heartbeats nothing, and no container exists for it.
    await expect(run(host.hostId, runRequest(image))).rejects.toThrow();
    expect(heartbeats.some((b) => b.hostId === host.hostId)).toBe(false);
    expect(await containersOf(host.hostId)).toEqual([]);

    // The operator fixes the credentials: it joins on its next attempt and serves.
    tokens.set(host.hostId, host.config.token);
    await launched.started;
    const request = runRequest(image);
    expect((await run(host.hostId, request)).ok).toBe(true);
    await eventOf(request.instanceId, 'up');
    await launched.stop();
  });

  it('leaves its host containers alone on exit when it never joined', async () => {
    const host = newHost('agent-refused', { SLIPWAY_AGENT_STOP_INSTANCES_ON_EXIT: 'true' }, false);
    const request = runRequest(image);
    const spec = containerSpec(request, { hostId: host.hostId, registry: registry.url, address: '127.0.0.1' });
    await ensureImage(spec.Image!);
    const earlier = await docker.createContainer(spec);
    await earlier.start();
    const launched = await launch(host);
    await waitFor('a refused registration', () => (registrations.some((r) => r.hostId === host.hostId) ? true : undefined));
    await launched.stop();
    await expect(launched.started).rejects.toThrow();
    expect((await earlier.inspect()).State.Running).toBe(true);
    expect(events.some((e) => e.instanceId === request.instanceId)).toBe(false);
  });
});
