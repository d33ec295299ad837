// Heroku's API rate limit: a budget of requests per account per hour (4500 by default), shared
// by every control plane through Redis (a sliding window, koa-ratelimit's Redis driver), told in
// RateLimit-Remaining; past it, 429 with Retry-After in the one error shape.
import type { Redis } from 'ioredis';
import type { Middleware } from 'koa';
import ratelimit from 'koa-ratelimit';
import type { User } from '../../common/types.js';

export const RATE_LIMIT_WINDOW_MS = 60 * 60 * 1000;

export function rateLimit(redis: Redis, perHour: number): Middleware {
  return ratelimit({
    driver: 'redis',
    db: redis,
    duration: RATE_LIMIT_WINDOW_MS,
    max: perHour,
    // After authentication: per account (a request without one has been refused already).
    id: (ctx) => (ctx.state.user as User | undefined)?.id ?? false,
    headers: { remaining: 'RateLimit-Remaining', reset: 'RateLimit-Reset', total: 'RateLimit-Limit' },
    errorMessage: `Your account reached the API rate limit of ${perHour} requests per hour. Please wait a few minutes before making new requests.`,
    throw: true,
    namespace: 'slipway:rate-limit',
  } as Parameters<typeof ratelimit>[0]);
}
