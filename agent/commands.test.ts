import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode, encode, listInstancesReply, runInstanceReply, reply, runInstanceRequest, stopInstanceRequest, subjects } from '../common/protocol.js';
import type { RunningService } from '../supervisor/services.js';
import { startTestNats } from '../test/support/services.js';
import { parseRequest, serveCommands, type CommandHandlers } from './commands.js';
import { capturingLogger, runRequest } from './testing/agent-fixtures.js';

const image = { repository: 'apps/shop', digest: `sha256:${'d'.repeat(64)}` };
const bytes = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

describe('parseRequest', () => {
  it('accepts a valid run request and fills in the defaults', () => {
    const { bootTimeoutSeconds: _, ...withoutDefault } = runRequest(image);
    const parsed = parseRequest(runInstanceRequest, bytes(withoutDefault));
    expect(parsed).toEqual({ ok: true, value: { ...withoutDefault, bootTimeoutSeconds: 60 } });
    expect(parseRequest(stopInstanceRequest, bytes({ instanceId: 'i-1' }))).toEqual({ ok: true, value: { instanceId: 'i-1', graceSeconds: 10 } });
  });

  it('names the bad fields', () => {
    const parsed = parseRequest(runInstanceRequest, bytes({ ...runRequest(image), memoryMb: -1, image: { repository: 'x', digest: 'latest' } }));
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error).toContain('memoryMb');
    expect(parsed.error).toContain('image.digest');
  });

  it('never echoes what was sent: config vars are secrets', () => {
    const secret = 'hunter2-super-secret';
    const badEnv = parseRequest(runInstanceRequest, bytes({ ...runRequest(image), env: { A: secret, B: 42 } }));
    expect(badEnv).toMatchObject({ ok: false, error: expect.stringContaining('env.B') });
    expect(JSON.stringify(badEnv)).not.toContain(secret);
    const badJson = parseRequest(runInstanceRequest, bytes(`{"env":{"A":"${secret}"`));
    expect(badJson).toEqual({ ok: false, error: 'invalid request: not valid JSON' });
  });
});

describe('serveCommands over NATS', () => {
  let nats: RunningService;
  let agentConnection: NatsConnection;
  let controlPlane: NatsConnection;
  const hostId = 'host-cmd';

  beforeAll(async () => {
    nats = await startTestNats();
    agentConnection = await connect({ servers: nats.url });
    controlPlane = await connect({ servers: nats.url });
  });

  afterAll(async () => {
    await agentConnection.close();
    await controlPlane.close();
    await nats.stop();
  });

  it('answers each command, refuses bad input, turns a failure into an error reply, and closes after answering', async () => {
    const { log, lines } = capturingLogger();
    const runs: string[] = [];
    let releaseSlowStop = () => {};
    const handlers: CommandHandlers = {
      run: async (request) => {
        runs.push(request.instanceId);
        return { ok: true, containerId: 'c1', port: 40001 };
      },
      stop: async (request) => {
        if (request.instanceId === 'explode') throw new Error('docker went away');
        await new Promise<void>((resolve) => (releaseSlowStop = resolve));
        return { ok: true };
      },
      oneOff: async (request) => {
        runs.push(request.runId);
        return { ok: true };
      },
      stopOneOff: async () => ({ ok: true }),
      list: () => ({ ok: true, instances: [{ instanceId: 'i-1', appName: 'shop', state: 'up', port: 40001, exitCode: null, reason: null }] }),
    };
    const server = serveCommands(agentConnection, hostId, handlers, log);
    await agentConnection.flush();
    const ask = (subject: string, body: unknown) => controlPlane.request(subject, encode(body), { timeout: 5000 });

    const run = decode(runInstanceReply, (await ask(subjects.run(hostId), runRequest(image, { instanceId: 'i-9' }))).data);
    expect(run).toEqual({ ok: true, containerId: 'c1', port: 40001 });
    expect(runs).toEqual(['i-9']);

    const bad = decode(reply, (await ask(subjects.run(hostId), { instanceId: 'i-10', env: { X: 'secret-value' } })).data);
    expect(bad.ok).toBe(false);
    expect(bad.error).toMatch(/invalid request/);
    expect(runs).toEqual(['i-9']);

    const oneOff = { runId: 'r-1', appId: 'a-1', appName: 'shop', dyno: 'release.2', image, command: 'true', env: {}, memoryMb: 512, cpus: 0.5, timeoutSeconds: 60 };
    expect(decode(reply, (await ask(subjects.oneOff(hostId), oneOff)).data)).toEqual({ ok: true });
    const badOneOff = decode(reply, (await ask(subjects.oneOff(hostId), { ...oneOff, runId: 'r-2', dyno: 'release' })).data);
    expect(badOneOff).toMatchObject({ ok: false, error: expect.stringMatching(/dyno/) });
    expect(runs).toEqual(['i-9', 'r-1']);

    const failed = decode(reply, (await ask(subjects.stop(hostId), { instanceId: 'explode' })).data);
    expect(failed).toEqual({ ok: false, error: 'docker went away' });

    const list = decode(listInstancesReply, (await ask(subjects.list(hostId), {})).data);
    expect(list.instances.map((instance) => instance.instanceId)).toEqual(['i-1']);

    // A stop in progress is answered before close() returns.
    const slowStop = ask(subjects.stop(hostId), { instanceId: 'slow' });
    await sleep(100);
    let closed = false;
    const closing = server.close().then(() => (closed = true));
    await sleep(50);
    expect(closed).toBe(false);
    releaseSlowStop();
    await closing;
    expect(decode(reply, (await slowStop).data)).toEqual({ ok: true });
    await expect(ask(subjects.list(hostId), {})).rejects.toThrow();

    expect(lines.join('\n')).not.toContain('secret-value');
  });
});
