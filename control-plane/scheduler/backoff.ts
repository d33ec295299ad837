// Crash restarts: a few immediate restarts, then exponential delays up to a cap.

export const IMMEDIATE_RESTARTS = 2;
export const RESTART_DELAY_BASE_MS = 1000;
export const RESTART_DELAY_CAP_MS = 5 * 60 * 1000;
/** An instance that ran this long before crashing starts its restart count afresh. */
export const STABLE_RUN_MS = 10 * 60 * 1000;

/** Delay before restarting an instance that has already been restarted `restarts` times. */
export function restartDelayMs(restarts: number): number {
  if (restarts < IMMEDIATE_RESTARTS) return 0;
  return Math.min(RESTART_DELAY_BASE_MS * 2 ** (restarts - IMMEDIATE_RESTARTS), RESTART_DELAY_CAP_MS);
}

/** The restart count the replacement of a crashed instance carries. */
export function nextRestartCount(restarts: number, ranForMs: number): number {
  return ranForMs >= STABLE_RUN_MS ? 1 : restarts + 1;
}
