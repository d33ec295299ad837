// slipway-agent as a real process (agent/main.ts, transpiled to JavaScript for Node), against
// a NATS server that authenticates every client and confines the host to its own subjects,
// the way per-host NATS users are meant to.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../common/ports.js';
import { decode, encode, instanceEvent, registerRequest, runInstanceReply, subjects, type InstanceEvent } from '../common/protocol.js';
import type { ImageRef } from '../common/types.js';
import { ManagedProcess } from '../common/managed-process.js';
import type { RunningService } from '../supervisor/services.js';
import { startTestRegistry } from '../test/support/services.js';
import { buildTestAppImage, removeTestAppImageReferences } from '../test/support/test-image.js';
import { LABELS } from './labels.js';
import { removeHostLeftovers, runRequest, transpileAgent, uniqueHostId } from './testing/agent-fixtures.js';
import { waitFor } from '../test/support/wait.js';

const docker = new Docker();
const hostId = uniqueHostId('agent-proc');
const token = `tok${hostId.replace(/-/g, '')}secret`;
const controlPlanePassword = 'control-plane-password-123';
let buildDir: string;
let natsDir: string;
let natsProcess: ManagedProcess;
let natsPort: number;
let registry: RunningService;
let image: ImageRef;
let controlPlane: NatsConnection;
const events: InstanceEvent[] = [];
let registrations = 0;
let heartbeats = 0;

/** Per-host permissions: a host hears only its own commands and inbox, and speaks only as itself. */
function natsConfig(port: number): string {
  const hostUser = [
    `user: "${hostId}"`,
    `password: "${token}"`,
    `permissions: { publish: { allow: ["slipway.agent.${hostId}.>", "slipway.logs.>"] },` +
      ` subscribe: { allow: ["slipway.host.${hostId}.>", "_INBOX_${hostId}.>"] }, allow_responses: true }`,
  ].join(', ');
  return [
    `listen: "127.0.0.1:${port}"`,
    'authorization {',
    '  users: [',
    `    { user: "control-plane", password: "${controlPlanePassword}" },`,
    `    { ${hostUser} }`,
    '  ]',
    '}',
    '',
  ].join('\n');
}

function agentProcess(entry: string, env: Record<string, string>, lines: string[]): ManagedProcess {
  return new ManagedProcess({
    name: 'slipway-agent',
    argv: [process.execPath, entry],
    env: { PATH: process.env.PATH, ...env },
    onLine: (line) => lines.push(line),
  });
}

let entry: string;

beforeAll(async () => {
  buildDir = await mkdtemp(join(tmpdir(), 'slipway-agent-build-'));
  natsDir = await mkdtemp(join(tmpdir(), 'slipway-agent-nats-'));
  entry = await transpileAgent(buildDir);
  registry = await startTestRegistry();
  image = await buildTestAppImage(docker, registry.url);

  natsPort = await freePort();
  await writeFile(join(natsDir, 'nats.conf'), natsConfig(natsPort));
  natsProcess = new ManagedProcess({ name: 'nats', argv: ['nats-server', '-c', join(natsDir, 'nats.conf')] });
  controlPlane = await waitFor('NATS to accept the control plane', () =>
    connect({ servers: `127.0.0.1:${natsPort}`, user: 'control-plane', pass: controlPlanePassword }).catch(() => undefined),
  );
  controlPlane.subscribe(subjects.register(hostId), {
    callback: (_err, msg) => {
      const request = decode(registerRequest, msg.data);
      registrations++;
      msg.respond(encode(request.token === token ? { ok: true } : { ok: false, error: 'unknown or revoked host credentials' }));
    },
  });
  controlPlane.subscribe(subjects.heartbeat(hostId), { callback: () => heartbeats++ });
  controlPlane.subscribe(subjects.instanceEvent(hostId), { callback: (_err, msg) => events.push(decode(instanceEvent, msg.data)) });
  await controlPlane.flush();
});

afterAll(async () => {
  await removeHostLeftovers(docker, [hostId]);
  await controlPlane?.close();
  await natsProcess?.stop();
  await removeTestAppImageReferences(docker, registry.url);
  await registry?.stop();
  await rm(buildDir, { recursive: true, force: true });
  await rm(natsDir, { recursive: true, force: true });
});

describe('slipway-agent process', () => {
  it('refuses to start with a bad environment, naming the variables', async () => {
    const lines: string[] = [];
    const agent = agentProcess(entry, { SLIPWAY_HOST_ID: 'bad.id' }, lines);
    const { code } = await agent.exited;
    expect(code).toBe(1);
    const output = lines.join('\n');
    expect(output).toContain('SLIPWAY_HOST_ID');
    expect(output).toContain('SLIPWAY_HOST_TOKEN');
  });

  it('joins with NATS credentials from its URL, serves within its host permissions, and stops its instances on SIGTERM', async () => {
    const lines: string[] = [];
    const agent = agentProcess(
      entry,
      {
        SLIPWAY_HOST_ID: hostId,
        SLIPWAY_HOST_TOKEN: token,
        SLIPWAY_NATS_URL: `nats://${hostId}:${token}@127.0.0.1:${natsPort}`,
        SLIPWAY_REGISTRY: registry.url,
        SLIPWAY_HEARTBEAT_MS: '300',
        SLIPWAY_AGENT_STOP_INSTANCES_ON_EXIT: 'true',
      },
      lines,
    );
    try {
      await waitFor('the agent to register', () => (registrations > 0 ? true : undefined));
      await waitFor('a heartbeat', () => (heartbeats > 0 ? true : undefined));

      const request = runRequest(image, { appName: 'proc' });
      const answer = await waitFor('the agent to take commands', async () => {
        const msg = await controlPlane.request(subjects.run(hostId), encode(request), { timeout: 60_000 }).catch(() => undefined);
        return msg ? decode(runInstanceReply, msg.data) : undefined;
      });
      expect(answer.ok).toBe(true);
      await waitFor('up', () => events.find((e) => e.instanceId === request.instanceId && e.state === 'up'));
      const response = await fetch(`http://127.0.0.1:${answer.port}/`, { signal: AbortSignal.timeout(5000) });
      expect(await response.text()).toBe('hello from web.1\n');

      await agent.stop(60_000);
      expect((await agent.exited).code).toBe(0);
      expect(events.find((e) => e.instanceId === request.instanceId && e.state === 'down')).toBeDefined();
      const left = await docker.listContainers({ all: true, filters: { label: [`${LABELS.host}=${hostId}`] } });
      expect(left).toEqual([]);
      const output = lines.join('\n');
      expect(output).toContain('stopping slipway-agent');
      expect(output).not.toContain(token);
      expect(output).not.toMatch(/Permissions Violation/i);
    } finally {
      await agent.stop(5000);
    }
  });
});
