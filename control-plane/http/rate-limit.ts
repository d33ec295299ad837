// Request budgets per hour, shared by every control plane through Redis (a sliding window,
// koa-ratelimit's Redis driver), told in RateLimit-Remaining; past one, 429 with Retry-After in
// the one error shape. Heroku's API budget is per account (4500 by default); the requests
// made before there is an account (sign-up, password login and reset) count per client address.
import type { Redis } from 'ioredis';
import type { Context, Middleware } from 'koa';
import ratelimit from 'koa-ratelimit';
import type { User } from '../../common/types.js';

export const RATE_LIMIT_WINDOW_MS = 60 * 60 * 1000;

function hourlyBudget(redis: Redis, perHour: number, namespace: string, id: (ctx: Context) => string | false, errorMessage: string): Middleware {
  return ratelimit({
    driver: 'redis',
    db: redis,
    duration: RATE_LIMIT_WINDOW_MS,
    max: perHour,
    id,
    headers: { remaining: 'RateLimit-Remaining', reset: 'RateLimit-Reset', total: 'RateLimit-Limit' },
    errorMessage,
    throw: true,
    namespace,
  } as Parameters<typeof ratelimit>[0]);
}

export function rateLimit(redis: Redis, perHour: number): Middleware {
  // After authentication: per account (a request without one has been refused already).
  return hourlyBudget(
    redis,
    perHour,
    'slipway:rate-limit',
    (ctx) => (ctx.state.user as User | undefined)?.id ?? false,
    `Your account reached the API rate limit of ${perHour} requests per hour. Please wait a few minutes before making new requests.`,
  );
}

export function addressRateLimit(redis: Redis, perHour: number): Middleware {
  return hourlyBudget(
    redis,
    perHour,
    'slipway:rate-limit:address',
    (ctx) => ctx.ip,
    `Too many account requests from your address (${perHour} an hour). Please wait before trying again.`,
  );
}
