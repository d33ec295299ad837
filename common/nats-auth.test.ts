// NATS authorization, checked on a real nats-server running the control-plane host's config:
// each host hears only its own commands and speaks only as itself; unknown credentials fail.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { subjects } from './protocol.js';
import { ManagedProcess } from './managed-process.js';
import { startNatsWithAwsConfig, type AwsConfigNats } from '../test/support/aws-nats.js';
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
  let nats: AwsConfigNats;

  beforeAll(async () => {
    nats = await startNatsWithAwsConfig([...platformNatsUsers(PASSWORDS), hostNatsUser('h1', H1), hostNatsUser('h2', H2)]);
  });

  afterAll(async () => {
    await nats?.stop();
  });

  test('the config passes nats-server\'s own check', async () => {
    const check = new ManagedProcess({ name: 'nats-check', argv: ['nats-server', '-t', '-c', nats.configFile] });
    expect((await check.exited).code).toBe(0);
  });

  test('unknown users and wrong tokens cannot connect', async () => {
    await expect(nats.open('h3', 'slh_host-three-token-0123456789')).rejects.toThrow(/Authorization/i);
    await expect(nats.open('h1', H2)).rejects.toThrow(/Authorization/i);
  });

  test('a host receives its own commands and answers them; the control plane gets the reply', async () => {
    const controlPlane = await nats.open('control-plane', PASSWORDS.controlPlane);
    const host = await nats.open('h1', H1, { inboxPrefix: inboxPrefix('h1') });
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
    const host = await nats.open('h1', H1, { inboxPrefix: inboxPrefix('h1') });
    const sub = host.subscribe(subjects.run('h2'));
    const ended = (async () => {
      for await (const _message of sub) {
        // never delivered
      }
    })();
    await expect(ended).rejects.toThrow(/Permissions Violation for Subscription/i);
  });

  test('a host may not speak as another host', async () => {
    const host = await nats.open('h1', H1, { inboxPrefix: inboxPrefix('h1') });
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
    const router = await nats.open('router', PASSWORDS.router, { inboxPrefix: inboxPrefix('router') });
    const allowed = router.subscribe(subjects.routeChanged, { max: 1 });
    const controlPlane = await nats.open('control-plane', PASSWORDS.controlPlane);
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
