// The instance lifecycle's decisions, against the in-memory engine (fake-engine.ts). The same
// paths run against Docker in agent.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../common/logger.js';
import type { InstanceStatus, LogLine } from '../common/protocol.js';
import { containerSpec, imageReference, type HostSettings } from './container-spec.js';
import { FakeEngine } from './testing/fake-engine.js';
import { InstanceManager } from './instances.js';
import { runRequest } from './testing/agent-fixtures.js';
import { waitFor } from '../test/support/wait.js';

const host = { hostId: 'host-a', registry: '127.0.0.1:5000', address: '127.0.0.1' };
const image = { repository: 'apps/shop', digest: `sha256:${'c'.repeat(64)}` };
const reference = imageReference(host.registry, image);

interface Setup {
  engine: FakeEngine;
  manager: InstanceManager;
  statuses: InstanceStatus[];
  lines: LogLine[];
  bound: Set<number>;
  probes: number[];
}

const managers: InstanceManager[] = [];
afterEach(async () => {
  for (const manager of managers.splice(0)) await manager.shutdown(false);
});

function setup(engine = new FakeEngine(), memoryMb = 4096, probeIntervalMs = 10, hostSettings: HostSettings = host): Setup {
  const statuses: InstanceStatus[] = [];
  const lines: LogLine[] = [];
  const bound = new Set<number>();
  const probes: number[] = [];
  const manager = new InstanceManager({
    host: hostSettings,
    memoryMb,
    engine,
    reports: { statusChanged: (status) => statuses.push(status), logLine: (line) => lines.push(line) },
    probe: async (_address, port) => {
      probes.push(port);
      return bound.has(port);
    },
    log: silentLogger(),
    timing: { probeIntervalMs, logDrainMs: 50 },
  });
  engine.onEvent = (event) => manager.containerEvent(event);
  managers.push(manager);
  return { engine, manager, statuses, lines, bound, probes };
}

const states = (statuses: InstanceStatus[], instanceId: string) => statuses.filter((s) => s.instanceId === instanceId).map((s) => s.state);
const find = (statuses: InstanceStatus[], instanceId: string, state: InstanceStatus['state']) =>
  statuses.find((s) => s.instanceId === instanceId && s.state === state);

describe('InstanceManager.run', () => {
  it('pulls a missing image, creates the container from the spec and reports up once $PORT answers', async () => {
    const { engine, manager, statuses, bound } = setup();
    const request = runRequest(image, { env: { SECRET: 's3cret' } });
    const reply = await manager.run(request);

    expect(reply.ok).toBe(true);
    expect(engine.pulls).toEqual([reference]);
    const container = engine.container(reply.containerId!)!;
    expect(container.spec).toEqual(containerSpec(request, host));
    expect(reply.port).toBe(container.port);
    expect(find(statuses, request.instanceId, 'starting')?.port).toBe(reply.port);

    bound.add(reply.port!);
    const up = await waitFor('up', () => find(statuses, request.instanceId, 'up'));
    expect(up.port).toBe(reply.port);
    expect(manager.list()).toEqual([up]);
  });

  it('does not pull an image it already has', async () => {
    const { engine, manager } = setup();
    engine.images.add(reference);
    expect((await manager.run(runRequest(image))).ok).toBe(true);
    expect(engine.pulls).toEqual([]);
  });

  it('reports up without probing when no port check is asked for', async () => {
    const { manager, statuses, probes } = setup();
    const request = runRequest(image, { checkPort: false });
    await manager.run(request);
    await waitFor('up', () => find(statuses, request.instanceId, 'up'));
    expect(probes).toEqual([]);
  });

  it('answers a failed pull with an error and keeps no record', async () => {
    const { engine, manager, statuses } = setup();
    engine.pullError = new Error('manifest unknown');
    const reply = await manager.run(runRequest(image));
    expect(reply).toEqual({ ok: false, error: expect.stringContaining('manifest unknown') });
    expect(manager.list()).toEqual([]);
    expect(statuses).toEqual([]);
    expect(engine.containers.size).toBe(0);
  });

  it('refuses an env var name Docker cannot hold, without creating anything', async () => {
    const { engine, manager } = setup();
    const reply = await manager.run(runRequest(image, { env: { 'A=B': 'value' } }));
    expect(reply.ok).toBe(false);
    expect(reply.error).not.toContain('value');
    expect(engine.containers.size).toBe(0);
  });

  it('answers a retried run with the container it already runs', async () => {
    const { engine, manager } = setup();
    const request = runRequest(image);
    const first = await manager.run(request);
    const second = await manager.run(request);
    expect(second).toEqual(first);
    expect(engine.containers.size).toBe(1);
  });

  it('replaces a crashed instance on a new run of the same id', async () => {
    const { engine, manager, statuses } = setup();
    const request = runRequest(image);
    const first = await manager.run(request);
    engine.exit(first.containerId!, 1);
    await waitFor('crashed', () => find(statuses, request.instanceId, 'crashed'));
    const second = await manager.run(request);
    expect(second.ok).toBe(true);
    expect(second.containerId).not.toBe(first.containerId);
    expect(manager.list().map((s) => s.state)).toEqual(['starting']);
  });

  it('publishes the output of the instance as log lines of its dyno', async () => {
    const { engine, manager, lines } = setup();
    const reply = await manager.run(runRequest(image, { appName: 'shop', type: 'worker', index: 2 }));
    engine.say(reply.containerId!, 'working');
    expect(lines).toEqual([{ appName: 'shop', appId: 'app-1', source: 'app', process: 'worker.2', line: 'working', at: expect.any(String) }]);
  });
});

describe('InstanceManager, memory', () => {
  it('refuses a run past its capacity with a clear error, creating nothing', async () => {
    const { engine, manager, statuses } = setup(new FakeEngine(), 512);
    expect((await manager.run(runRequest(image, { memoryMb: 384 }))).ok).toBe(true);
    const refused = runRequest(image, { memoryMb: 256, type: 'worker', index: 2 });
    expect(await manager.run(refused)).toEqual({
      ok: false,
      error: 'host host-a is out of memory: worker.2 needs 256 MB, 128 MB of 512 MB free',
    });
    expect(engine.containers.size).toBe(1);
    expect(statuses.filter((s) => s.instanceId === refused.instanceId)).toEqual([]);
    expect(manager.committedMemoryMb).toBe(384);
  });

  it('admits concurrent runs one by one: they cannot share the last room', async () => {
    const { engine, manager } = setup(new FakeEngine(), 1024);
    const replies = await Promise.all([1, 2, 3].map((index) => manager.run(runRequest(image, { index, memoryMb: 512 }))));
    expect(replies.map((r) => r.ok)).toEqual([true, true, false]);
    expect(engine.containers.size).toBe(2);
  });

  it('gives the memory back when an instance stops, crashes or fails to start', async () => {
    const { engine, manager, statuses } = setup(new FakeEngine(), 512);
    const a = runRequest(image, { memoryMb: 512 });
    await manager.run(a);
    expect((await manager.run(runRequest(image, { memoryMb: 512 }))).ok).toBe(false);

    await manager.stop({ instanceId: a.instanceId, graceSeconds: 1 });
    expect(manager.committedMemoryMb).toBe(0);
    const b = runRequest(image, { memoryMb: 512 });
    const started = await manager.run(b);
    expect(started.ok).toBe(true);

    engine.exit(started.containerId!, 1);
    await waitFor('crashed', () => find(statuses, b.instanceId, 'crashed'));
    await waitFor('the dead container removed', () => !engine.containers.has(started.containerId!));
    expect(manager.committedMemoryMb).toBe(0);

    engine.pullError = new Error('manifest unknown');
    engine.images.clear();
    expect((await manager.run(runRequest(image, { memoryMb: 512 }))).ok).toBe(false);
    expect(manager.committedMemoryMb).toBe(0);
  });

  it('counts the containers it adopts', async () => {
    const engine = new FakeEngine();
    await engine.plant(containerSpec(runRequest(image, { instanceId: 'i-old', memoryMb: 384 }), host), 'running');
    const { manager } = setup(engine, 512);
    await manager.adopt();
    expect(manager.committedMemoryMb).toBe(384);
    expect((await manager.run(runRequest(image, { memoryMb: 256 }))).error).toContain('128 MB of 512 MB free');
  });
});

describe('InstanceManager, exits', () => {
  it('reports out of memory from an oom event that comes after the exit (Docker missed setting OOMKilled)', async () => {
    const { engine, manager, statuses, bound } = setup();
    const request = runRequest(image);
    const reply = await manager.run(request);
    bound.add(reply.port!);
    await waitFor('up', () => find(statuses, request.instanceId, 'up'));

    const labels = { ...(engine.containers.get(reply.containerId!)!.spec.Labels ?? {}) };
    engine.exit(reply.containerId!, 137);
    setTimeout(() => engine.onEvent({ action: 'oom', containerId: reply.containerId!, labels, exitCode: null, timeSeconds: Math.floor(Date.now() / 1000) }), 100);
    const crashed = await waitFor('crashed', () => find(statuses, request.instanceId, 'crashed'));
    expect(crashed).toMatchObject({ exitCode: 137, reason: 'exited with code 137 (out of memory)' });
  });

  it('reports a SIGKILL without an oom as a plain exit', async () => {
    const { engine, manager, statuses, bound } = setup();
    const request = runRequest(image);
    const reply = await manager.run(request);
    bound.add(reply.port!);
    await waitFor('up', () => find(statuses, request.instanceId, 'up'));
    engine.exit(reply.containerId!, 137);
    const crashed = await waitFor('crashed', () => find(statuses, request.instanceId, 'crashed'));
    expect(crashed).toMatchObject({ exitCode: 137, reason: 'exited with code 137' });
  });

  it('reports a crash with the exit code and removes the dead container', async () => {
    const { engine, manager, statuses, bound } = setup();
    const request = runRequest(image);
    const reply = await manager.run(request);
    bound.add(reply.port!);
    await waitFor('up', () => find(statuses, request.instanceId, 'up'));

    engine.exit(reply.containerId!, 3);
    const crashed = await waitFor('crashed', () => find(statuses, request.instanceId, 'crashed'));
    expect(crashed).toMatchObject({ exitCode: 3, reason: 'exited with code 3' });
    await waitFor('removal', () => (engine.containers.has(reply.containerId!) ? undefined : true));
    // The record stays crashed until the control plane stops or replaces it.
    expect(manager.list()).toEqual([crashed]);
  });

  it('reports a crash on boot as crashed, never up', async () => {
    const { engine, manager, statuses } = setup();
    const request = runRequest(image);
    const reply = await manager.run(request);
    engine.exit(reply.containerId!, 1);
    await waitFor('crashed', () => find(statuses, request.instanceId, 'crashed'));
    expect(states(statuses, request.instanceId)).toEqual(['starting', 'crashed']);
  });

  it('notices a crash during boot on its own when the die event is missed', async () => {
    const { engine, manager, statuses } = setup();
    const request = runRequest(image);
    const reply = await manager.run(request);
    engine.exit(reply.containerId!, 1, { silently: true });
    expect(await waitFor('crashed', () => find(statuses, request.instanceId, 'crashed'))).toMatchObject({ exitCode: 1 });
  });

  it('names an out-of-memory kill', async () => {
    const { engine, manager, statuses } = setup();
    const request = runRequest(image);
    const reply = await manager.run(request);
    engine.exit(reply.containerId!, 137, { oomKilled: true });
    const crashed = await waitFor('crashed', () => find(statuses, request.instanceId, 'crashed'));
    expect(crashed.reason).toBe('exited with code 137 (out of memory)');
  });

  it('checks $PORT every 25 ms while booting but asks the engine once per interval, and always before up', async () => {
    const { engine, manager, statuses, bound, probes } = setup(new FakeEngine(), 4096, 200);
    const request = runRequest(image);
    const reply = await manager.run(request);
    const inspectedAtStart = engine.inspections;
    await new Promise((resolve) => setTimeout(resolve, 600));
    const probed = probes.length;
    const inspected = engine.inspections - inspectedAtStart;
    expect(probed).toBeGreaterThanOrEqual(12); // at 250 ms there would be 3
    expect(inspected).toBeGreaterThanOrEqual(2);
    expect(inspected).toBeLessThanOrEqual(4);
    bound.add(reply.port!);
    await waitFor('up', () => find(statuses, request.instanceId, 'up'));
    expect(engine.inspections - inspectedAtStart).toBeGreaterThan(inspected);
  });

  it('stops an instance that does not bind $PORT in time and reports R10', async () => {
    const { engine, manager, statuses } = setup();
    const request = runRequest(image, { bootTimeoutSeconds: 1 });
    const reply = await manager.run(request);
    const crashed = await waitFor('crashed', () => find(statuses, request.instanceId, 'crashed'), 5000);
    expect(crashed).toMatchObject({ reason: 'did not bind $PORT within 1 s', exitCode: null });
    expect(engine.stops).toEqual([{ id: reply.containerId, graceSeconds: 0 }]);
    expect(states(statuses, request.instanceId)).toEqual(['starting', 'crashed']);
    await waitFor('removal', () => (engine.containers.has(reply.containerId!) ? undefined : true));
  });

  it('finds an exit whose event was missed when it reconciles', async () => {
    const { engine, manager, statuses, bound } = setup();
    const request = runRequest(image);
    const reply = await manager.run(request);
    bound.add(reply.port!);
    await waitFor('up', () => find(statuses, request.instanceId, 'up'));
    engine.exit(reply.containerId!, 2, { silently: true });
    await manager.reconcile();
    expect(await waitFor('crashed', () => find(statuses, request.instanceId, 'crashed'))).toMatchObject({ exitCode: 2 });
  });
});

describe('InstanceManager.stop', () => {
  it('stops gracefully, removes the container and reports down, not a crash', async () => {
    const { engine, manager, statuses, bound } = setup();
    const request = runRequest(image);
    const reply = await manager.run(request);
    bound.add(reply.port!);
    await waitFor('up', () => find(statuses, request.instanceId, 'up'));

    expect(await manager.stop({ instanceId: request.instanceId, graceSeconds: 7 })).toEqual({ ok: true });
    expect(engine.stops).toEqual([{ id: reply.containerId, graceSeconds: 7 }]);
    expect(engine.containers.size).toBe(0);
    expect(states(statuses, request.instanceId)).toEqual(['starting', 'up', 'stopping', 'down']);
    expect(manager.list()).toEqual([]);
  });

  it('stops an instance during its boot without reporting it up or crashed', async () => {
    const { manager, statuses } = setup();
    const request = runRequest(image);
    await manager.run(request);
    await manager.stop({ instanceId: request.instanceId, graceSeconds: 1 });
    expect(states(statuses, request.instanceId)).toEqual(['starting', 'stopping', 'down']);
  });

  it('is ok with an instance it does not know', async () => {
    const { manager, statuses } = setup();
    expect(await manager.stop({ instanceId: 'nope', graceSeconds: 1 })).toEqual({ ok: true });
    expect(statuses).toEqual([]);
  });

  it('forgets a crashed instance when stopped', async () => {
    const { engine, manager, statuses } = setup();
    const request = runRequest(image);
    const reply = await manager.run(request);
    engine.exit(reply.containerId!, 1);
    await waitFor('crashed', () => find(statuses, request.instanceId, 'crashed'));
    expect(await manager.stop({ instanceId: request.instanceId, graceSeconds: 1 })).toEqual({ ok: true });
    expect(manager.list()).toEqual([]);
    expect(states(statuses, request.instanceId).at(-1)).toBe('down');
  });
});

describe('InstanceManager.adopt', () => {
  it('takes over running containers, and reports and removes exited ones', async () => {
    const engine = new FakeEngine();
    const running = runRequest(image, { instanceId: 'i-running' });
    const exited = runRequest(image, { instanceId: 'i-exited' });
    const created = runRequest(image, { instanceId: 'i-created' });
    const runningId = await engine.plant(containerSpec(running, host), 'running');
    await engine.plant(containerSpec(exited, host), 'exited', 3);
    await engine.plant(containerSpec(created, host), 'created');
    const otherHost = await engine.plant(containerSpec(runRequest(image), { ...host, hostId: 'host-b' }), 'running');

    const { manager, statuses, bound, lines } = setup(engine);
    bound.add(engine.container(runningId)!.port!);
    await manager.adopt();

    expect(find(statuses, 'i-running', 'up')).toMatchObject({ port: engine.container(runningId)!.port });
    expect(find(statuses, 'i-exited', 'crashed')).toMatchObject({ exitCode: 3, reason: 'exited with code 3' });
    expect(find(statuses, 'i-created', 'down')).toBeDefined();
    expect([...engine.containers.keys()].sort()).toEqual([runningId, otherHost].sort());
    expect(manager.list().map((s) => [s.instanceId, s.state]).sort()).toEqual([
      ['i-exited', 'crashed'],
      ['i-running', 'up'],
    ]);

    // It follows the adopted instance's output and notices its crash.
    engine.say(runningId, 'still here');
    expect(lines.at(-1)).toMatchObject({ line: 'still here', process: 'web.1' });
    engine.exit(runningId, 3);
    await waitFor('crashed', () => find(statuses, 'i-running', 'crashed'));
  });

  it('resumes the boot check of an instance adopted within its boot window', async () => {
    const engine = new FakeEngine();
    const request = runRequest(image, { instanceId: 'i-booting', bootTimeoutSeconds: 30 });
    const id = await engine.plant(containerSpec(request, host), 'running');
    const { manager, statuses, bound } = setup(engine);
    await manager.adopt();
    expect(manager.list()[0]?.state).toBe('starting');
    bound.add(engine.container(id)!.port!);
    await waitFor('up', () => find(statuses, 'i-booting', 'up'));
  });
});

describe('InstanceManager, startup CPU boost', () => {
  const machine = { ...host, machineCpus: 2 };
  const boosted = (instanceId: string) => runRequest(image, { instanceId, cpus: 0.5, bootCpus: 1 });
  const nanoCpus = (engine: FakeEngine, id: string) => engine.container(id)!.spec.HostConfig?.NanoCpus;

  it('boots on the boot limit and drops to the dyno\'s once up', async () => {
    const { engine, manager, statuses, bound } = setup(undefined, 4096, 10, machine);
    const request = boosted('i-boost');
    const reply = await manager.run(request);
    const id = reply.containerId!;
    expect(nanoCpus(engine, id)).toBe(1_000_000_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(engine.cpuLimits).toEqual([]);

    bound.add(reply.port!);
    await waitFor('up', () => find(statuses, request.instanceId, 'up'));
    await waitFor('the boost ended', () => (engine.cpuLimits.length > 0 ? true : undefined));
    expect(engine.cpuLimits).toEqual([{ id, cpus: 0.5 }]);
    expect(nanoCpus(engine, id)).toBe(500_000_000);
  });

  it('leaves a run without a boost alone', async () => {
    const { engine, manager, statuses, bound } = setup(undefined, 4096, 10, machine);
    const request = runRequest(image, { cpus: 0.5 });
    const reply = await manager.run(request);
    bound.add(reply.port!);
    await waitFor('up', () => find(statuses, request.instanceId, 'up'));
    expect(nanoCpus(engine, reply.containerId!)).toBe(500_000_000);
    expect(engine.cpuLimits).toEqual([]);
  });

  it('has nothing to end when the boot crashes', async () => {
    const { engine, manager, statuses } = setup(undefined, 4096, 10, machine);
    const request = boosted('i-crash');
    const reply = await manager.run(request);
    engine.exit(reply.containerId!, 1);
    await waitFor('crashed', () => find(statuses, request.instanceId, 'crashed'));
    expect(engine.cpuLimits).toEqual([]);
  });

  it('ends the boost of a container adopted mid-boot once it is up, and of one already up at once', async () => {
    const engine = new FakeEngine();
    const booting = await engine.plant(containerSpec(boosted('i-booting'), machine), 'running');
    const serving = await engine.plant(containerSpec(boosted('i-serving'), machine), 'running');
    const plain = await engine.plant(containerSpec(runRequest(image, { instanceId: 'i-plain' }), machine), 'running');
    const { manager, statuses, bound } = setup(engine, 4096, 10, machine);
    bound.add(engine.container(serving)!.port!);
    bound.add(engine.container(plain)!.port!);
    await manager.adopt();
    expect(engine.cpuLimits).toEqual([{ id: serving, cpus: 0.5 }]);

    bound.add(engine.container(booting)!.port!);
    await waitFor('up', () => find(statuses, 'i-booting', 'up'));
    await waitFor('the boost ended', () => (engine.cpuLimits.length > 1 ? true : undefined));
    expect(engine.cpuLimits).toEqual([{ id: serving, cpus: 0.5 }, { id: booting, cpus: 0.5 }]);
  });
});

describe('InstanceManager.shutdown', () => {
  it('with stopInstances, stops and removes every container of its host', async () => {
    const { engine, manager, statuses } = setup();
    const a = runRequest(image);
    const b = runRequest(image, { stopGraceSeconds: 25 });
    const ran = [await manager.run(a), await manager.run(b)];
    const foreign = await engine.plant(containerSpec(runRequest(image), { ...host, hostId: 'host-b' }), 'running');
    await manager.shutdown(true);
    expect([...engine.containers.keys()]).toEqual([foreign]);
    expect(states(statuses, a.instanceId).at(-1)).toBe('down');
    expect(states(statuses, b.instanceId).at(-1)).toBe('down');
    // The agent's default, or the app's grace its run carried.
    const graceOf = (containerId: string | undefined) => engine.stops.find((stop) => stop.id === containerId)?.graceSeconds;
    expect(ran.map((reply) => graceOf(reply.containerId))).toEqual([10, 25]);
  });

  it('without, leaves the containers running and refuses new runs', async () => {
    const { engine, manager } = setup();
    const reply = await manager.run(runRequest(image));
    await manager.shutdown(false);
    expect(engine.container(reply.containerId!)?.state).toBe('running');
    expect(await manager.run(runRequest(image))).toEqual({ ok: false, error: 'the agent is shutting down' });
  });
});
