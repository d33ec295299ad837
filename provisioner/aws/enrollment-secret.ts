// The engine hosts' enrollment secret, derived from the control plane's NATS password (a
// Pulumi secret the infra CLI generates) rather than stored as one more: HMAC-SHA256 is a
// one-way function, so the secret (readable on every engine host) reveals nothing of the
// password, and rotating that password rotates it too.
import { createHmac } from 'node:crypto';

const LABEL = 'slipway engine enrollment v1';

export function deriveEnrollmentSecret(controlPlaneNatsPassword: string): string {
  return createHmac('sha256', controlPlaneNatsPassword).update(LABEL).digest('base64url');
}
