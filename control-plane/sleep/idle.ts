// Free-tier sleep (Heroku's free dynos): whether an app has been idle long enough to sleep. Pure.

export interface IdleFacts {
  /** The plan's idle time before sleep; null: the plan never sleeps. */
  sleepAfterMs: number | null;
  /** When the last router window in which it had requests ended (null: none kept). */
  lastRequestMs: number | null;
  /** When each of its running web dynos started (a fresh deploy or wake counts as activity). */
  webStartedMs: readonly number[];
  maintenance: boolean;
  asleep: boolean;
  now: number;
}

/** Sleep when the plan says so, the app runs web dynos, and neither a request nor a dyno start
 *  came within the idle time. */
export function sleepDue(facts: IdleFacts): boolean {
  if (facts.sleepAfterMs === null || facts.asleep || facts.maintenance || facts.webStartedMs.length === 0) return false;
  const lastActivity = Math.max(facts.lastRequestMs ?? 0, ...facts.webStartedMs);
  return facts.now - lastActivity >= facts.sleepAfterMs;
}
