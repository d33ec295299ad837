// The agent's side of enrollment: the host file, the retry loop against a scripted control
// plane, and for real: a nats-server that authenticates every client (the `enroll` user and
// per-host users maintained by the control plane's NatsHostUsers), a real Redis ledger and
// the control plane's enrollment handler, with an in-memory auto scaling group for AWS.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENROLL_SUBJECT, enrollRequest, sealForEnrollee } from '../common/enrollment.js';
import { silentLogger } from '../common/logger.js';
import { decode, encode, subjects } from '../common/protocol.js';
import { hashSecret } from '../common/api-token.js';
import { natsPasswordHash } from '../control-plane/hosts/nats-users.js';
import { ManagedProcess } from '../common/managed-process.js';
import { natsConnectionOptions, parseAgentConfig, type EnrollmentSettings, withHostIdentity } from './config.js';
import { enrollConnectionOptions, enrollUntilAccepted, ensureHostIdentity, readHostFile, writeHostFile } from './enroll.js';
import type { Requester } from './registration.js';
import { capturingLogger, removeHostLeftovers, transpileAgent } from './testing/agent-fixtures.js';
import { waitFor } from '../test/support/wait.js';
import { startEnrollmentControlPlane, type EnrollmentControlPlane } from '../test/support/enrollment-control-plane.js';

const SECRET = 'enrollment-secret-0123456789abcdef';
const INSTANCE = 'i-0123456789abcdef0';
const policy = { initialMs: 1, maxMs: 4, rejectedMs: 7, requestTimeoutMs: 50 };

describe('the host file', () => {
  it('keeps the identity for this instance only, root-readable, and treats a bad file as none', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-host-file-'));
    try {
      const { log, lines } = capturingLogger();
      const path = join(dir, 'agent', 'host.json');
      expect(await readHostFile(path, INSTANCE, log)).toBeNull();
      await writeHostFile(path, INSTANCE, { hostId: 'aws-0a1b2c3d', token: 'slwh_secret-token-0123456789' });
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      expect((await stat(join(dir, 'agent'))).mode & 0o777).toBe(0o700);
      expect(await readHostFile(path, INSTANCE, log)).toEqual({ hostId: 'aws-0a1b2c3d', token: 'slwh_secret-token-0123456789' });
      expect(await readHostFile(path, 'i-0fedcba9876543210', log)).toBeNull();
      await writeFile(path, '{"hostId": "aws-0a1b2c3d", "tok');
      expect(await readHostFile(path, INSTANCE, log)).toBeNull();
      expect(lines.join('')).toContain('belongs to another instance');
      expect(lines.join('')).toContain('not valid');
      expect(lines.join('')).not.toContain('secret-token');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('enrollUntilAccepted', () => {
  const settings = { secret: SECRET, instanceId: INSTANCE, address: '10.42.1.17' };

  /** Answers like the control plane: each reply sealed to the key that request sent. */
  function scripted(script: (string | Error | { ok: false; error: string })[]) {
    const keys: string[] = [];
    const request: Requester = async (subject, body) => {
      expect(subject).toBe(ENROLL_SUBJECT);
      const message = decode(enrollRequest, body);
      expect(message).toMatchObject({ enrollmentSecret: SECRET, instanceId: INSTANCE, address: '10.42.1.17' });
      keys.push(message.publicKey);
      const next = script.shift();
      if (next instanceof Error) throw next;
      if (typeof next === 'string') return encode({ ok: true, hostId: 'aws-0a1b2c3d', sealedToken: sealForEnrollee(message.publicKey, next, 'aws-0a1b2c3d') });
      return encode(next);
    };
    return { request, keys };
  }

  it('retries silence and refusals, then opens the token sealed to its own key', async () => {
    const { log, lines } = capturingLogger();
    const script = scripted([new Error('503 no responders'), { ok: false, error: 'enrollment refused' }, new Error('TIMEOUT'), 'slwh_the-token-0123456789']);
    const identity = await enrollUntilAccepted({ request: script.request, settings, policy, log, signal: new AbortController().signal });
    expect(identity).toEqual({ hostId: 'aws-0a1b2c3d', token: 'slwh_the-token-0123456789' });
    // a fresh key for every request
    expect(new Set(script.keys).size).toBe(4);
    const logged = lines.join('');
    expect(logged).toContain('the control plane refused to enroll this instance');
    expect(logged).toContain('enrollment refused');
    expect(logged).toContain('enrolled with the control plane');
    expect(logged).not.toContain(SECRET);
    expect(logged).not.toContain('the-token');
  });

  it('gives up only when stopped', async () => {
    const stop = new AbortController();
    const script = scripted(Array.from({ length: 1000 }, () => ({ ok: false as const, error: 'enrollment refused' })));
    const running = enrollUntilAccepted({ request: script.request, settings, policy, log: silentLogger(), signal: stop.signal });
    await waitFor('a few refusals', () => (script.keys.length >= 3 ? true : undefined), 5000);
    stop.abort();
    await expect(running).rejects.toThrow(/abort/i);
  });
});

describe('enrolling for real', () => {
  const GROUP = 'slipway-engine-test';
  let fixture: EnrollmentControlPlane;
  const registered: string[] = [];
  const connections: NatsConnection[] = [];
  const openNats = async (options: Parameters<typeof connect>[0]) => {
    const nc = await connect(options);
    connections.push(nc);
    return nc;
  };
  const settingsFor = (instanceId: string, overrides: Partial<EnrollmentSettings> = {}): EnrollmentSettings => ({
    secret: SECRET,
    instanceId,
    address: '127.0.0.1',
    hostFile: join(fixture.dir, instanceId, 'host.json'),
    natsUrl: fixture.nats.url,
    logLevel: 'info',
    ...overrides,
  });
  const launch = async () => {
    await fixture.group.setDesiredCapacity(GROUP, fixture.group.desiredCapacity + 1);
    await new Promise((done) => setImmediate(done));
    return fixture.group.liveInstances().at(-1)!.instanceId;
  };

  beforeAll(async () => {
    fixture = await startEnrollmentControlPlane({
      secret: SECRET,
      dirPrefix: 'slipway-enroll-',
      group: { name: GROUP, maxSize: 10 },
      onRegistered: (hostId) => registered.push(hostId),
    });
  });

  afterAll(async () => {
    await Promise.all(connections.map((nc) => nc.close().catch(() => undefined)));
    await fixture?.stop();
  });

  it('takes the credential the operator asked for, saves it, and then joins as its own NATS user', async () => {
    // What HostService.add does before the provider raises the group's capacity.
    const pending = { hostId: 'aws-pending1', token: 'slwh_pending-host-token-0123456789' };
    await fixture.hosts.setTokenHash(pending.hostId, hashSecret(pending.token));
    await fixture.hosts.setNatsPasswordHash(pending.hostId, natsPasswordHash(pending.token));
    await fixture.hosts.save({ id: pending.hostId, provider: 'aws', state: 'down', address: '', capacity: { memoryMb: 0, cpus: 0 }, lastHeartbeat: null, createdAt: new Date().toISOString() });
    await fixture.natsUsers.sync();
    await fixture.ledger.addPending([pending]);
    const instanceId = await launch();

    const settings = settingsFor(instanceId);
    const identity = await ensureHostIdentity(settings, { connect: openNats, log: silentLogger(), signal: new AbortController().signal, policy });
    expect(identity).toEqual(pending);
    expect(JSON.parse(await readFile(settings.hostFile, 'utf8'))).toEqual({ ...pending, instanceId });
    expect((await stat(settings.hostFile)).mode & 0o777).toBe(0o600);

    // the agent's own config from here on: NATS as itself, and registration with its token
    const env = withHostIdentity({ SLIPWAY_ENROLLMENT_SECRET: SECRET, SLIPWAY_NATS_URL: fixture.nats.url, SLIPWAY_REGISTRY: '127.0.0.1:1' }, identity);
    expect(env.SLIPWAY_ENROLLMENT_SECRET).toBeUndefined();
    const config = parseAgentConfig(env, { memoryMb: 1024, cpus: 1 });
    // nats-server applies the sync's reload on its own time (a loaded CI run once connected first)
    const asHost = await waitFor('the pending host user after the reload', () =>
      openNats({ ...natsConnectionOptions(config), waitOnFirstConnect: false, maxReconnectAttempts: 0 }).catch(() => undefined),
    );
    const reply = await asHost.request(
      subjects.register(config.hostId),
      encode({ hostId: config.hostId, token: config.token, address: '127.0.0.1', capacity: { memoryMb: 1024, cpus: 1 }, agentVersion: 'test' }),
      { timeout: 5000 },
    );
    expect(new TextDecoder().decode(reply.data)).toBe('{"ok":true}');
    expect(registered).toContain(pending.hostId);

    // restarted, it reads the file and never asks again
    const again = await ensureHostIdentity(settings, {
      connect: () => Promise.reject(new Error('must not connect')),
      log: silentLogger(),
      signal: new AbortController().signal,
    });
    expect(again).toEqual(pending);
  });

  it('an instance the group launched on its own gets a new identity, whose NATS user exists by the time it connects', async () => {
    const instanceId = await launch();
    const settings = settingsFor(instanceId);
    const identity = await ensureHostIdentity(settings, { connect: openNats, log: silentLogger(), signal: new AbortController().signal, policy });
    expect(identity.hostId).toMatch(/^aws-[0-9a-f]{8}$/);
    expect(await fixture.hosts.verifyToken(identity.hostId, identity.token)).toBe(true);
    const config = parseAgentConfig(withHostIdentity({ SLIPWAY_NATS_URL: fixture.nats.url, SLIPWAY_REGISTRY: '127.0.0.1:1' }, identity), { memoryMb: 1, cpus: 1 });
    const asHost = await waitFor('the new host user after the reload', () =>
      openNats({ ...natsConnectionOptions(config), waitOnFirstConnect: false, maxReconnectAttempts: 0 }).catch(() => undefined),
    );
    expect(asHost.isClosed()).toBe(false);
    // losing the file is harmless: enrolling again gives the same host
    await rm(settings.hostFile);
    expect(await ensureHostIdentity(settings, { connect: openNats, log: silentLogger(), signal: new AbortController().signal, policy })).toEqual(identity);
  });

  it('a wrong secret is refused by NATS itself; a request with one is refused by the control plane', async () => {
    await expect(connect({ ...enrollConnectionOptions(settingsFor(INSTANCE, { secret: 'not-the-enrollment-secret-0123' })), waitOnFirstConnect: false, maxReconnectAttempts: 0 })).rejects.toThrow(
      /Authorization/i,
    );
    const instanceId = await launch();
    const { log, lines } = capturingLogger();
    const asEnroll = await openNats({ ...enrollConnectionOptions(settingsFor(instanceId)), waitOnFirstConnect: false, maxReconnectAttempts: 0 });
    const stop = new AbortController();
    const attempt = enrollUntilAccepted({
      request: async (subject, body, timeout) => (await asEnroll.request(subject, body, { timeout })).data,
      settings: { secret: 'not-the-enrollment-secret-0123', instanceId, address: '127.0.0.1' },
      policy: { ...policy, requestTimeoutMs: 5000 },
      log,
      signal: stop.signal,
    });
    await waitFor('the refusal', () => (lines.some((line) => line.includes('"reason":"enrollment refused"')) ? true : undefined), 10_000);
    stop.abort();
    await expect(attempt).rejects.toThrow(/abort/i);
    expect(await fixture.ledger.enrolled()).not.toContainEqual(expect.objectContaining({ instanceId }));
  });
});

describe('slipway-agent process with an enrollment secret', () => {
  // Its own services: a real nats-server with users, Redis, the enrollment handler, and the
  // agent as a process of its own (agent/main.ts, transpiled).
  const GROUP = 'slipway-engine-process';
  const docker = new Docker();
  let fixture: EnrollmentControlPlane;
  let entry: string;
  let enrollRequests = 0;
  const registered: string[] = [];
  const heartbeats: string[] = [];
  const hostIds: string[] = [];

  beforeAll(async () => {
    fixture = await startEnrollmentControlPlane({
      secret: SECRET,
      dirPrefix: 'slipway-enroll-process-',
      group: { name: GROUP, maxSize: 2 },
      onEnroll: () => enrollRequests++,
      onRegistered: (hostId) => registered.push(hostId),
    });
    entry = await transpileAgent(join(fixture.dir, 'build'));
    fixture.controlPlane.subscribe(subjects.allHeartbeats, { callback: (_err, msg) => heartbeats.push(msg.subject.split('.')[2]!) });
    await fixture.controlPlane.flush();
  });

  afterAll(async () => {
    await removeHostLeftovers(docker, hostIds);
    await fixture?.stop();
  });

  it('enrolls once, saves its identity, joins and heartbeats as its own host; restarted, it uses the saved identity', async () => {
    await fixture.group.setDesiredCapacity(GROUP, 1);
    await new Promise((done) => setImmediate(done));
    const [instance] = fixture.group.liveInstances();
    const hostFile = join(fixture.dir, 'host', 'host.json');
    const env = {
      PATH: process.env.PATH,
      SLIPWAY_ENROLLMENT_SECRET: SECRET,
      SLIPWAY_INSTANCE_ID: instance!.instanceId,
      SLIPWAY_HOST_ADDRESS: '127.0.0.1',
      SLIPWAY_HOST_FILE: hostFile,
      SLIPWAY_NATS_URL: fixture.nats.url,
      SLIPWAY_REGISTRY: '127.0.0.1:1',
      SLIPWAY_HEARTBEAT_MS: '200',
    };
    for (const run of [1, 2]) {
      const lines: string[] = [];
      const agent = new ManagedProcess({ name: `slipway-agent-${run}`, argv: [process.execPath, entry], env, onLine: (line) => lines.push(line) });
      try {
        const hostId = await waitFor('the agent to register', () => registered.at(-1), 30_000);
        hostIds.push(hostId);
        await waitFor('a heartbeat from it', () => (heartbeats.includes(hostId) ? true : undefined), 10_000);
        const saved = JSON.parse(await readFile(hostFile, 'utf8'));
        expect(saved).toMatchObject({ hostId, instanceId: instance!.instanceId });
        expect((await stat(hostFile)).mode & 0o777).toBe(0o600);
        await agent.stop(30_000);
        expect((await agent.exited).code).toBe(0);
        const output = lines.join('\n');
        expect(output).not.toContain(SECRET);
        expect(output).not.toContain(saved.token);
        expect(output).not.toMatch(/Permissions Violation/i);
        if (run === 1) expect(output).toContain('enrolled with the control plane');
        else expect(output).not.toContain('enrolling');
      } finally {
        await agent.stop(5000);
      }
      registered.length = 0;
      heartbeats.length = 0;
    }
    expect(new Set(hostIds).size).toBe(1);
    expect(enrollRequests).toBe(1);
  });
});
