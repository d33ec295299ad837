// API tokens: `<prefix>_<id>_<secret>` (`slw`, or the provider's brand's prefix). Only a SHA-256 of the secret is stored (the secret is
// 256 random bits, so a fast hash is enough); lookup is by id, comparison in constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

// any brand's prefix (common/brand.ts): tokens are found by id and checked by hash, not by prefix
const TOKEN = /^[a-z][a-z0-9]{1,9}_([A-Za-z0-9]{16})_([A-Za-z0-9_-]{43})$/;

export interface IssuedToken {
  id: string;
  /** Shown once to its owner, never stored. */
  token: string;
  hash: string;
}

function randomId(): string {
  // base62-ish: hex is fine and unambiguous
  return randomBytes(8).toString('hex');
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** A token as lists show it, Heroku's way: its public start, the secret masked. Clients (the
 *  stock CLI's logout) tell their own token by that start. */
export function redactedToken(id: string, prefix = 'slw'): string {
  return `${prefix}_${id}_**********`;
}

export function issueToken(prefix = 'slw'): IssuedToken {
  const id = randomId();
  const secret = randomBytes(32).toString('base64url');
  return { id, token: `${prefix}_${id}_${secret}`, hash: hashSecret(secret) };
}

export interface ParsedToken {
  id: string;
  secret: string;
}

export function parseToken(token: string): ParsedToken | null {
  const match = TOKEN.exec(token);
  return match ? { id: match[1]!, secret: match[2]! } : null;
}

/** Constant-time comparison of a presented secret with a stored hash. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}
