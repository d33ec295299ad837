// NATS authorization, checked on a real nats-server running the control-plane host's config:
// each host hears only its own commands and speaks only as itself; unknown credentials fail.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freePort } from './ports.js';
import { subjects } from './protocol.js';
import { ManagedProcess } from '../supervisor/process.js';
import { natsServerConfig } from '../provisioner/aws/control-plane-user-data.js';
import { hostNatsPermissions, hostNatsUser, inboxPrefix, NatsAuthError, platformNatsUsers, renderNatsAuthorization } from './nats-auth.js';

const PASSWORDS = { controlPlane: 'cp-password-0123456789abcdef', router: 'router-password-0123456789ab' };
const H1 = 'slh_host-one-token-0123456789';
const H2 = 'slh_host-two-token-0123456789';

describe('rendering', () => {
  test('platform users, and host users confined to their own subjects', () => {
    expect(hostNatsPermissions('h1')).toEqual({
      subscribe: ['slipway.host.h1.>', '_INBOX_h1.>'],
      publish: ['slipway.agent.h1.>', 'slipway.logs.>'],
      allowResponses: true,
    });
    const text = renderNatsAuthorization([...platformNatsUsers(PASSWORDS), hostNatsUser('h1', H1)]);
    expect(text).toContain('{ user: "control-plane", password: "cp-password-0123456789abcdef" }');
    expect(text).toContain(
      '{ user: "h1", password: "slh_host-one-token-0123456789", permissions: { publish: { allow: ["slipway.agent.h1.>", "slipway.logs.>"] }, subscribe: { allow: ["slipway.host.h1.>", "_INBOX_h1.>"] }, allow_responses: true } }',
    );
  });

  test('refuses names and passwords that would need quoting, and duplicate users', () => {
    expect(() => renderNatsAuthorization([{ user: 'a"b', password: PASSWORDS.router }])).toThrow(NatsAuthError);
    expect(() => renderNatsAuthorization([{ user: 'ok', password: 'has"quote-0123456789' }])).toThrow(NatsAuthError);
    expect(() => renderNatsAuthorization([hostNatsUser('h1', H1), hostNatsUser('h1', H2)])).toThrow(/twice/);
    // bcrypt hashes, as the control plane may store them, are accepted
    expect(renderNatsAuthorization([{ user: 'h3', password: '$2a$11$' + 'a'.repeat(53) }])).toContain('$2a$11$');
  });
});

describe('on a real nats-server with the control plane\'s config', () => {
  let dir: string;
  let server: ManagedProcess;
  let url: string;
  const connections: NatsConnection[] = [];
  const open = async (user: string, pass: string, options: { inboxPrefix?: string } = {}) => {
    const nc = await connect({ servers: url, user, pass, reconnect: false, ...options });
    connections.push(nc);
    return nc;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-nats-auth-'));
    await mkdir(join(dir, 'auth'));
    const port = await freePort();
    url = `nats://127.0.0.1:${port}`;
    await writeFile(join(dir, 'nats.conf'), natsServerConfig({ listen: `127.0.0.1:${port}`, monitor: `127.0.0.1:${await freePort()}`, storeDir: join(dir, 'js') }));
    await writeFile(join(dir, 'auth', 'auth.conf'), renderNatsAuthorization([...platformNatsUsers(PASSWORDS), hostNatsUser('h1', H1), hostNatsUser('h2', H2)]));
    const lines: string[] = [];
    server = new ManagedProcess({ name: 'nats', argv: ['nats-server', '-c', join(dir, 'nats.conf')], onLine: (line) => lines.push(line) });
    await server.waitUntilReady(async () => lines.some((line) => line.includes('Server is ready')), 20_000);
  });

  afterAll(async () => {
    await Promise.all(connections.map((nc) => nc.close().catch(() => undefined)));
    await server?.stop(5000);
    await rm(dir, { recursive: true, force: true });
  });

  test('the config passes nats-server\'s own check', async () => {
    const check = new ManagedProcess({ name: 'nats-check', argv: ['nats-server', '-t', '-c', join(dir, 'nats.conf')] });
    expect((await check.exited).code).toBe(0);
  });

  test('unknown users and wrong tokens cannot connect', async () => {
    await expect(open('h3', 'slh_host-three-token-0123456789')).rejects.toThrow(/Authorization/i);
    await expect(open('h1', H2)).rejects.toThrow(/Authorization/i);
  });

  test('a host receives its own commands and answers them; the control plane gets the reply', async () => {
    const controlPlane = await open('control-plane', PASSWORDS.controlPlane);
    const host = await open('h1', H1, { inboxPrefix: inboxPrefix('h1') });
    const sub = host.subscribe(subjects.run('h1'), { max: 1 });
    void (async () => {
      for await (const message of sub) message.respond(new TextEncoder().encode('ran'));
    })();
    await host.flush();
    const reply = await controlPlane.request(subjects.run('h1'), new TextEncoder().encode('{}'), { timeout: 5000 });
    expect(new TextDecoder().decode(reply.data)).toBe('ran');
    // and the host's own requests (register) get their replies through its own inbox prefix
    const registrations = controlPlane.subscribe(subjects.register('h1'), { max: 1 });
    void (async () => {
      for await (const message of registrations) message.respond(new TextEncoder().encode('{"ok":true}'));
    })();
    await controlPlane.flush();
    const registered = await host.request(subjects.register('h1'), new TextEncoder().encode('{}'), { timeout: 5000 });
    expect(new TextDecoder().decode(registered.data)).toBe('{"ok":true}');
  });

  test('a host may not listen to another host\'s commands', async () => {
    const host = await open('h1', H1, { inboxPrefix: inboxPrefix('h1') });
    const sub = host.subscribe(subjects.run('h2'));
    const ended = (async () => {
      for await (const _message of sub) {
        // never delivered
      }
    })();
    await expect(ended).rejects.toThrow(/Permissions Violation for Subscription/i);
  });

  test('a host may not speak as another host', async () => {
    const host = await open('h1', H1, { inboxPrefix: inboxPrefix('h1') });
    const violations = (async () => {
      for await (const status of host.status()) {
        if (status.type === 'error' && String(status.data).includes('PERMISSIONS_VIOLATION')) return String(status.data);
      }
      return 'status ended';
    })();
    host.publish(subjects.heartbeat('h2'), new TextEncoder().encode('{}'));
    await host.flush();
    expect(await violations).toContain('PERMISSIONS_VIOLATION');
  });

  test('routers may hear route changes but not agents\' commands', async () => {
    const router = await open('router', PASSWORDS.router, { inboxPrefix: inboxPrefix('router') });
    const allowed = router.subscribe(subjects.routeChanged, { max: 1 });
    const controlPlane = await open('control-plane', PASSWORDS.controlPlane);
    await router.flush();
    controlPlane.publish(subjects.routeChanged, new TextEncoder().encode('{"appName":"x"}'));
    for await (const message of allowed) expect(new TextDecoder().decode(message.data)).toBe('{"appName":"x"}');
    const denied = router.subscribe(subjects.run('h1'));
    await expect(
      (async () => {
        for await (const _message of denied) {
          // never delivered
        }
      })(),
    ).rejects.toThrow(/Permissions Violation/i);
  });
});
