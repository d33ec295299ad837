// When a failed delivery is tried again. Pure.

/** Exponential from `firstMs` (5 s), doubling, capped at an hour, with ±20% jitter so retries
 *  of many events after one outage do not arrive all at once. `attempt` counts from 1 (the first retry). */
export function retryDelayMs(attempt: number, firstMs = 5_000, random: () => number = Math.random): number {
  const base = Math.min(firstMs * 2 ** (attempt - 1), 3_600_000);
  return Math.round(base * (0.8 + 0.4 * random()));
}
