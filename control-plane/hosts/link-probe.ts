// Whether the links heartbeats travel through answer right now: a round trip to NATS (they
// arrive through it) and to Redis (they are recorded there). A paused server answers neither
// with an error nor at all, so the probe gives up after a bound.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { NatsConnection } from 'nats';

export const LINK_PROBE_TIMEOUT_MS = 1_000;

export async function linksAnswer(nats: NatsConnection, redis: Redis, timeoutMs = LINK_PROBE_TIMEOUT_MS): Promise<boolean> {
  const giveUp = new AbortController();
  try {
    return await Promise.race([
      Promise.all([nats.rtt(), redis.ping()]).then(() => true),
      sleep(timeoutMs, false, { signal: giveUp.signal }),
    ]);
  } catch {
    return false;
  } finally {
    giveUp.abort();
  }
}
