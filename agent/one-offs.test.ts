// One-off runs against the real Docker Engine and a real registry.
import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogLine, OneOffEvent, RunOneOffRequest } from '../common/protocol.js';
import type { ImageRef } from '../common/types.js';
import type { RunningService } from '../supervisor/services.js';
import { startTestRegistry } from '../test/support/services.js';
import { buildTestAppImage, removeTestAppImageReferences } from '../test/support/test-image.js';
import { waitFor } from '../test/support/wait.js';
import { MemoryLedger } from './capacity.js';
import { DockerContainerEngine } from './docker-engine.js';
import { hostSelector } from './labels.js';
import { oneOffEnding, OneOffRunner } from './one-offs.js';
import { capturingLogger, removeHostLeftovers, uniqueHostId } from './testing/agent-fixtures.js';

const docker = new Docker();
const hostId = uniqueHostId('one-off');
const engine = new DockerContainerEngine(docker, hostId);
let registry: RunningService;
let image: ImageRef;

beforeAll(async () => {
  registry = await startTestRegistry();
  image = await buildTestAppImage(docker, registry.url);
});

afterAll(async () => {
  await removeHostLeftovers(docker, [hostId]);
  await removeTestAppImageReferences(docker, registry.url);
  await registry.stop();
});

function oneOff(overrides: Partial<RunOneOffRequest> = {}): RunOneOffRequest {
  return {
    runId: `r-${randomBytes(4).toString('hex')}`,
    appId: 'app-1',
    appName: 'shop',
    dyno: 'release.3',
    image,
    command: 'echo "migrating with $GREETING as $DYNO"; echo second line; exit 0',
    env: { GREETING: 'hello' },
    memoryMb: 128,
    cpus: 0.5,
    timeoutSeconds: 60,
    tty: null,
    addons: [],
    ...overrides,
  };
}

function runner(memoryMb = 1024) {
  const events = new Map<string, OneOffEvent[]>();
  const logLines: LogLine[] = [];
  const { log, lines } = capturingLogger();
  const memory = new MemoryLedger(hostId, memoryMb);
  const runs = new OneOffRunner({
    host: { hostId, registry: registry.url, address: '127.0.0.1' },
    engine,
    memory,
    reports: {
      event: (runId, event) => events.set(runId, [...(events.get(runId) ?? []), event]),
      logLine: (line) => logLines.push(line),
    },
    log,
  });
  const ended = (runId: string) => waitFor(`run ${runId} to end`, () => events.get(runId)?.find((e) => e.kind === 'exit'), 60_000);
  return { runs, events, logLines, memory, ended, logged: lines };
}

describe('OneOffRunner', () => {
  it('runs the command with the config, reports its lines in order and then its exit, and removes the container', async () => {
    const { runs, events, logLines, memory, ended, logged } = runner();
    const request = oneOff();
    expect(await runs.run(request)).toEqual({ ok: true });
    expect(memory.committedMb).toBe(128);
    expect(await ended(request.runId)).toEqual({ kind: 'exit', exitCode: 0, reason: 'exited with code 0' });
    expect(events.get(request.runId)!.map((e) => (e.kind === 'output' ? e.line : e.kind))).toEqual(['migrating with hello as release.3', 'second line', 'exit']);
    expect(logLines.map((l) => [l.appId, l.source, l.process, l.line])).toEqual([
      ['app-1', 'app', 'release.3', 'migrating with hello as release.3'],
      ['app-1', 'app', 'release.3', 'second line'],
    ]);
    await waitFor('the container to be removed', async () => (await engine.listContainers(hostSelector(hostId))).length === 0);
    expect(memory.committedMb).toBe(0);
    expect(logged.join('\n')).not.toContain('hello');
  });

  it('reports a failing command with its exit code', async () => {
    const { runs, ended } = runner();
    const request = oneOff({ command: 'echo "no such table" >&2; exit 3' });
    await runs.run(request);
    expect(await ended(request.runId)).toEqual({ kind: 'exit', exitCode: 3, reason: 'exited with code 3' });
  });

  it('kills a run that outlives its time limit, and says so', async () => {
    const { runs, ended } = runner();
    const request = oneOff({ command: 'echo started; exec node -e "setTimeout(() => {}, 60000)"', timeoutSeconds: 1 });
    const started = Date.now();
    await runs.run(request);
    const exit = await ended(request.runId);
    expect(exit).toMatchObject({ kind: 'exit', reason: 'killed after 1 s, the time limit of a one-off run' });
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('refuses a run that does not fit in the host memory, and a config var Docker cannot carry', async () => {
    const { runs, memory } = runner(100);
    expect(await runs.run(oneOff())).toEqual({ ok: false, error: expect.stringMatching(/out of memory: release.3 needs 128 MB/) });
    expect(await runs.run(oneOff({ memoryMb: 64, env: { 'A=B': 'secret-value' } }))).toEqual({ ok: false, error: expect.not.stringContaining('secret-value') });
    expect(memory.committedMb).toBe(0);
  });

  it('after an agent restart, removes the runs the earlier agent left and reports them ended', async () => {
    const first = runner();
    const request = oneOff({ command: 'exec node -e "setTimeout(() => {}, 60000)"' });
    await first.runs.run(request);
    await first.runs.shutdown(false); // the agent goes away, leaving the container
    expect((await engine.listContainers(hostSelector(hostId))).length).toBe(1);
    const second = runner();
    await second.runs.removeLeftovers();
    expect(second.events.get(request.runId)).toEqual([{ kind: 'exit', exitCode: null, reason: 'the host agent restarted during the run' }]);
    expect(await engine.listContainers(hostSelector(hostId))).toEqual([]);
  });
});

describe('oneOffEnding', () => {
  it('names a time limit first, then memory, then the exit code', () => {
    expect(oneOffEnding({ exitCode: 137, oomKilled: true, timedOutAfterSeconds: 5 })).toMatch(/time limit/);
    expect(oneOffEnding({ exitCode: 137, oomKilled: true, timedOutAfterSeconds: null })).toMatch(/R14/);
    expect(oneOffEnding({ exitCode: 1, oomKilled: false, timedOutAfterSeconds: null })).toBe('exited with code 1');
    expect(oneOffEnding({ exitCode: null, oomKilled: false, timedOutAfterSeconds: null })).toBe('ended without an exit code');
  });
});
