// Enrollment helpers (sealing, secret comparison, message schemas), and the `enroll` NATS user
// on a real nats-server running the control-plane host's config: it may ask to enroll and hear
// the answer, nothing else.
import type { NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startNatsWithAwsConfig, type AwsConfigNats } from '../test/support/aws-nats.js';
import {
  ENROLL_NATS_USER,
  ENROLL_SUBJECT,
  EnrollmentError,
  enrollReply,
  enrollRequest,
  newEnrollmentKeyPair,
  openSealedToken,
  sealForEnrollee,
  secretsEqual,
} from './enrollment.js';
import { enrollNatsPermissions, enrollNatsUser, hostNatsUser, inboxPrefix, platformNatsUsers } from './nats-auth.js';
import { subjects } from './protocol.js';

const SECRET = 'enrollment-secret-0123456789abcdef';
const TOKEN = 'slwh_the-host-token-0123456789';

describe('sealed tokens', () => {
  test('only the key pair that asked can open the token, and only for the host it was sealed for', () => {
    const keys = newEnrollmentKeyPair();
    expect(keys.publicKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const sealed = sealForEnrollee(keys.publicKey, TOKEN, 'aws-0a1b2c3d');
    expect(sealed).not.toContain('the-host-token');
    expect(openSealedToken(keys, sealed, 'aws-0a1b2c3d')).toBe(TOKEN);
    // every seal is fresh (ephemeral key and IV)
    expect(sealForEnrollee(keys.publicKey, TOKEN, 'aws-0a1b2c3d')).not.toBe(sealed);

    const eavesdropper = newEnrollmentKeyPair();
    expect(() => openSealedToken(eavesdropper, sealed, 'aws-0a1b2c3d')).toThrow(EnrollmentError);
    expect(() => openSealedToken(keys, sealed, 'aws-other')).toThrow(EnrollmentError);
    const bytes = Buffer.from(sealed, 'base64url');
    bytes[bytes.length - 1]! ^= 1;
    expect(() => openSealedToken(keys, bytes.toString('base64url'), 'aws-0a1b2c3d')).toThrow(EnrollmentError);
    expect(() => openSealedToken(keys, 'short', 'aws-0a1b2c3d')).toThrow(/too short/);
    expect(() => sealForEnrollee('A'.repeat(42) + '!', TOKEN, 'h')).toThrow(EnrollmentError);
  });

  test('secrets compare equal only when identical, whatever their lengths', () => {
    expect(secretsEqual(SECRET, SECRET)).toBe(true);
    expect(secretsEqual(`${SECRET}x`, SECRET)).toBe(false);
    expect(secretsEqual(SECRET.slice(0, -1), SECRET)).toBe(false);
    expect(secretsEqual('', SECRET)).toBe(false);
  });

  test('requests and replies are validated', () => {
    const good = { enrollmentSecret: SECRET, instanceId: 'i-0123456789abcdef0', address: '10.42.1.17', publicKey: newEnrollmentKeyPair().publicKey };
    expect(enrollRequest.parse(good)).toEqual(good);
    expect(enrollRequest.safeParse({ ...good, instanceId: 'i-0123456789abcdef0.x' }).success).toBe(false);
    expect(enrollRequest.safeParse({ ...good, instanceId: 'i-12345678' }).success).toBe(true);
    expect(enrollRequest.safeParse({ ...good, address: 'nats.slipway.internal' }).success).toBe(false);
    expect(enrollReply.parse({ ok: false, error: 'enrollment refused' })).toEqual({ ok: false, error: 'enrollment refused' });
    expect(enrollReply.safeParse({ ok: true, hostId: 'bad.id', sealedToken: 'x' }).success).toBe(false);
  });
});

describe('the enroll NATS user on a real nats-server', () => {
  const PASSWORDS = { controlPlane: 'cp-password-0123456789abcdef', router: 'router-password-0123456789ab' };
  let nats: AwsConfigNats;
  const violation = (nc: NatsConnection) =>
    (async () => {
      for await (const status of nc.status()) {
        if (status.type === 'error' && String(status.data).includes('PERMISSIONS_VIOLATION')) return String(status.data);
      }
      return 'status ended';
    })();

  beforeAll(async () => {
    nats = await startNatsWithAwsConfig([...platformNatsUsers(PASSWORDS), enrollNatsUser(SECRET), hostNatsUser('h1', TOKEN)]);
  });

  afterAll(async () => {
    await nats?.stop();
  });

  test('permissions: publish only the enroll subject, hear only its own inbox', () => {
    expect(enrollNatsPermissions()).toEqual({ publish: ['slipway.enroll'], subscribe: ['_INBOX_enroll.>'], allowResponses: false });
    expect(enrollNatsUser(SECRET).user).toBe(ENROLL_NATS_USER);
  });

  test('an enrolling agent asks and gets the control plane\'s answer; a wrong secret cannot connect', async () => {
    const controlPlane = await nats.open('control-plane', PASSWORDS.controlPlane);
    const requests = controlPlane.subscribe(ENROLL_SUBJECT, { max: 1 });
    void (async () => {
      for await (const message of requests) message.respond(new TextEncoder().encode('{"ok":false,"error":"enrollment refused"}'));
    })();
    await controlPlane.flush();
    const agent = await nats.open(ENROLL_NATS_USER, SECRET, { inboxPrefix: inboxPrefix(ENROLL_NATS_USER) });
    const answer = await agent.request(ENROLL_SUBJECT, new TextEncoder().encode('{}'), { timeout: 5000 });
    expect(new TextDecoder().decode(answer.data)).toBe('{"ok":false,"error":"enrollment refused"}');
    await expect(nats.open(ENROLL_NATS_USER, `${SECRET}x`)).rejects.toThrow(/Authorization/i);
  });

  test('it cannot listen to enrollment requests or to any host\'s commands', async () => {
    const agent = await nats.open(ENROLL_NATS_USER, SECRET, { inboxPrefix: inboxPrefix(ENROLL_NATS_USER) });
    for (const subject of [ENROLL_SUBJECT, subjects.run('h1'), '_INBOX_h1.>']) {
      const sub = agent.subscribe(subject);
      await expect(
        (async () => {
          for await (const _message of sub) {
            // never delivered
          }
        })(),
      ).rejects.toThrow(/Permissions Violation for Subscription/i);
    }
  });

  test('it cannot speak as a host', async () => {
    const agent = await nats.open(ENROLL_NATS_USER, SECRET, { inboxPrefix: inboxPrefix(ENROLL_NATS_USER) });
    const denied = violation(agent);
    agent.publish(subjects.register('h1'), new TextEncoder().encode('{}'));
    await agent.flush();
    expect(await denied).toContain('PERMISSIONS_VIOLATION');
  });
});
