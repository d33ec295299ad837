// slipway-agent as a real process (agent/main.ts, transpiled) with SLIPWAY_REGISTRY_AUTH_FILE,
// pulling from a registry that requires credentials (distribution with htpasswd auth on
// 127.0.0.1, standing in for ECR): the setting reaches the Engine, the file is read at each
// pull, and neither the secret nor the file's content reaches the agent's output.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode, encode, instanceEvent, runInstanceReply, subjects, type InstanceEvent, type RunInstanceRequest } from '../common/protocol.js';
import type { ImageRef } from '../common/types.js';
import { ManagedProcess } from '../common/managed-process.js';
import type { RunningService } from '../supervisor/services.js';
import { pushTestAppImageWithAuth, startTestAuthRegistry, type AuthRegistry } from '../test/support/auth-registry.js';
import { startTestNats } from '../test/support/services.js';
import { removeTestAppImageReferences } from '../test/support/test-image.js';
import { removeHostLeftovers, runRequest, transpileAgent, uniqueHostId } from './testing/agent-fixtures.js';
import { waitFor } from '../test/support/wait.js';

const docker = new Docker();
const hostId = uniqueHostId('agent-auth');
const token = `tok${hostId.replace(/-/g, '')}secret`;
let buildDir: string;
let nats: RunningService;
let registry: AuthRegistry;
let image: ImageRef;
let controlPlane: NatsConnection;
let agent: ManagedProcess;
const agentLines: string[] = [];
const events: InstanceEvent[] = [];
let authFile: string;

beforeAll(async () => {
  buildDir = await mkdtemp(join(tmpdir(), 'slipway-agent-auth-build-'));
  const entry = await transpileAgent(buildDir);
  [nats, registry] = await Promise.all([startTestNats(), startTestAuthRegistry()]);
  image = await pushTestAppImageWithAuth(docker, registry);
  await removeTestAppImageReferences(docker, registry.url);
  // The refresh timer has not caught up yet: the file holds an expired token.
  authFile = await registry.writeCredentialsFile({ password: 'expired-ecr-token' });

  controlPlane = await connect({ servers: nats.url });
  controlPlane.subscribe(subjects.register(hostId), { callback: (_err, msg) => msg.respond(encode({ ok: true })) });
  controlPlane.subscribe(subjects.instanceEvent(hostId), { callback: (_err, msg) => events.push(decode(instanceEvent, msg.data)) });
  await controlPlane.flush();

  agent = new ManagedProcess({
    name: 'slipway-agent',
    argv: [process.execPath, entry],
    env: {
      PATH: process.env.PATH,
      SLIPWAY_HOST_ID: hostId,
      SLIPWAY_HOST_TOKEN: token,
      SLIPWAY_NATS_URL: nats.url,
      SLIPWAY_REGISTRY: registry.url,
      SLIPWAY_REGISTRY_AUTH_FILE: authFile,
      SLIPWAY_HEARTBEAT_MS: '300',
      SLIPWAY_AGENT_STOP_INSTANCES_ON_EXIT: 'true',
      SLIPWAY_LOG_LEVEL: 'debug',
    },
    onLine: (line) => agentLines.push(line),
  });
});

afterAll(async () => {
  await agent?.stop(30_000);
  await removeHostLeftovers(docker, [hostId]);
  await controlPlane?.close();
  if (registry) await removeTestAppImageReferences(docker, registry.url);
  await Promise.all([nats?.stop(), registry?.stop()]);
  if (buildDir) await rm(buildDir, { recursive: true, force: true });
});

async function run(request: RunInstanceRequest) {
  // Retried until the agent has joined and subscribed.
  return waitFor('the agent to answer run', async () => {
    const msg = await controlPlane.request(subjects.run(hostId), encode(request), { timeout: 60_000 }).catch(() => undefined);
    return msg ? decode(runInstanceReply, msg.data) : undefined;
  });
}

describe('slipway-agent with SLIPWAY_REGISTRY_AUTH_FILE', () => {
  it('reports a refused pull clearly while the file holds an expired token', async () => {
    const answer = await run(runRequest(image, { appName: 'authproc' }));
    expect(answer.ok).toBe(false);
    expect(answer.error).toMatch(/^could not start web\.1: could not pull 127\.0\.0\.1:\d+\/slipway\/test-app@sha256:[0-9a-f]{64}: the registry refused the credentials from SLIPWAY_REGISTRY_AUTH_FILE/);
    expect(answer.error).not.toContain('expired-ecr-token');
  });

  it('pulls and runs the instance once the file is refreshed, without a restart', async () => {
    await writeFile(authFile, JSON.stringify({ ServerURL: registry.url, Username: registry.username, Secret: registry.password }));
    const request = runRequest(image, { appName: 'authproc' });
    const answer = await run(request);
    expect(answer).toMatchObject({ ok: true, port: expect.any(Number) });
    await waitFor('up', () => events.find((e) => e.instanceId === request.instanceId && e.state === 'up'));
    const response = await fetch(`http://127.0.0.1:${answer.port}/`, { signal: AbortSignal.timeout(5000) });
    expect(await response.text()).toBe('hello from web.1\n');

    await agent.stop(60_000);
    const output = agentLines.join('\n');
    expect(output).toContain('"registryAuthFile":"' + authFile + '"');
    for (const secret of [registry.password, 'expired-ecr-token', token]) expect(output).not.toContain(secret);
  });
});
