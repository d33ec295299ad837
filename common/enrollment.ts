// Enrollment: how an engine host from an auto scaling group gets its own credentials. All
// instances of the group boot with one shared enrollment secret; each asks the control plane
// once, over NATS (`slipway.enroll`, as the NATS user `enroll`), for a host identity. The control
// plane checks the secret and the instance's group membership, binds one credential to that
// instance id, and answers with the token sealed to a key the agent made for this request:
// every enrolling agent shares the `enroll` user and so the `_INBOX_enroll.>` inboxes, and a
// token must not be readable by whoever else subscribes there.
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';
import { z } from 'zod';

/** agent → control plane, request/reply */
export const ENROLL_SUBJECT = 'slipway.enroll';
/** The NATS user every not-yet-enrolled agent connects as; its password is the enrollment secret. */
export const ENROLL_NATS_USER = 'enroll';

/** EC2 instance ids: `i-` and 8 or 17 hex digits. */
export const INSTANCE_ID = /^i-[0-9a-f]{8}([0-9a-f]{9})?$/;
/** Host ids go into NATS subjects, user names and Docker labels. */
export const HOST_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** Secrets that sit in NATS configs and URLs without escaping. */
export const ENROLLMENT_SECRET = /^[A-Za-z0-9._~-]{16,512}$/;

export class EnrollmentError extends Error {
  override name = 'EnrollmentError';
}

export const enrollRequest = z.object({
  enrollmentSecret: z.string().min(1).max(512),
  instanceId: z.string().regex(INSTANCE_ID),
  /** The instance's private address, as IMDS reports it. */
  address: z.union([z.ipv4(), z.ipv6()]),
  /** X25519 public key (base64url, 32 bytes) the token is sealed to. */
  publicKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
});
export type EnrollRequest = z.infer<typeof enrollRequest>;

export const enrollReply = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), hostId: z.string().regex(HOST_ID), sealedToken: z.string().min(1) }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);
export type EnrollReply = z.infer<typeof enrollReply>;

/** Constant-time equality of two secrets (of any lengths: their digests are compared). */
export function secretsEqual(presented: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(expected)) && presented.length === expected.length;
}

export interface EnrollmentKeyPair {
  /** base64url of the raw 32-byte X25519 public key, for the request. */
  publicKey: string;
  privateKey: KeyObject;
}

/** A key pair for one enrollment request; the private half never leaves the agent. */
export function newEnrollmentKeyPair(): EnrollmentKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  return { publicKey: rawPublicKey(publicKey), privateKey };
}

function rawPublicKey(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new EnrollmentError('not an X25519 public key');
  return jwk.x;
}

function x25519PublicKey(raw: string): KeyObject {
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: raw }, format: 'jwk' });
  } catch (err) {
    throw new EnrollmentError('not an X25519 public key', { cause: err });
  }
}

const SEAL_INFO = 'slipway enrollment token v1';
const RAW_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

function sealKey(shared: Buffer, senderPublic: string, recipientPublic: string): Buffer {
  const salt = Buffer.concat([Buffer.from(senderPublic, 'base64url'), Buffer.from(recipientPublic, 'base64url')]);
  return Buffer.from(hkdfSync('sha256', shared, salt, SEAL_INFO, 32));
}

/**
 * Seals `plaintext` to the holder of `recipientPublicKey` (ephemeral X25519, HKDF-SHA256,
 * AES-256-GCM), bound to `context` (the host id), so it cannot be replayed for another host.
 */
export function sealForEnrollee(recipientPublicKey: string, plaintext: string, context: string): string {
  const recipient = x25519PublicKey(recipientPublicKey);
  const ephemeral = generateKeyPairSync('x25519');
  const ephemeralPublic = rawPublicKey(ephemeral.publicKey);
  const key = sealKey(diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient }), ephemeralPublic, recipientPublicKey);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.from(ephemeralPublic, 'base64url'), iv, cipher.getAuthTag(), body]).toString('base64url');
}

/** Opens what sealForEnrollee sealed to this agent's key; throws EnrollmentError if tampered with. */
export function openSealedToken(keys: EnrollmentKeyPair, sealed: string, context: string): string {
  const bytes = Buffer.from(sealed, 'base64url');
  if (bytes.length <= RAW_KEY_BYTES + IV_BYTES + TAG_BYTES) throw new EnrollmentError('sealed token too short');
  const ephemeralPublic = bytes.subarray(0, RAW_KEY_BYTES).toString('base64url');
  const iv = bytes.subarray(RAW_KEY_BYTES, RAW_KEY_BYTES + IV_BYTES);
  const tag = bytes.subarray(RAW_KEY_BYTES + IV_BYTES, RAW_KEY_BYTES + IV_BYTES + TAG_BYTES);
  const body = bytes.subarray(RAW_KEY_BYTES + IV_BYTES + TAG_BYTES);
  const key = sealKey(diffieHellman({ privateKey: keys.privateKey, publicKey: x25519PublicKey(ephemeralPublic) }), ephemeralPublic, keys.publicKey);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch (err) {
    throw new EnrollmentError('the sealed token does not open with this key', { cause: err });
  }
}
