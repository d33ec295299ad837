// Connection URLs of the platform's services inside the VPC, with their credentials (so
// every result here is a secret). Passwords come from Slipway's safe alphabet and need no
// URL encoding; checkSecret has verified that before they get here.
import { checkSecret } from './config.js';

export const NATS_PORT = 4222;
export const REDIS_PORT = 6379;
/** The control plane's waker: routers send a sleeping app's requests there. */
export const WAKE_PORT = 5787;

export function natsUrl(user: string, password: string, address: string): string {
  return `nats://${user}:${checkSecret('nats password', password)}@${address}`;
}

export type RedisTarget =
  /** Redis on the control-plane host: plain TCP inside the VPC, password required. */
  | { kind: 'on-host'; host: string; password: string }
  /** ElastiCache with encryption in transit: TLS, AUTH token. */
  | { kind: 'managed'; host: string; password: string };

export function redisUrl(target: RedisTarget): string {
  const scheme = target.kind === 'managed' ? 'rediss' : 'redis';
  return `${scheme}://:${checkSecret('redis password', target.password)}@${target.host}:${REDIS_PORT}`;
}
