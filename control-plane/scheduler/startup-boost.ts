// Startup CPU boost (as Cloud Run's): an instance gets more CPU while it boots, since a
// runtime's start (a JVM's JIT, Python's imports, a Node app's require graph) is what a deploy,
// a restart or a scale-out waits for, and then its dyno's share. CPU shares stay equal, so a
// booting instance takes the extra only from idle cores.

/** The run request's boot CPU limit for a dyno of `dynoCpus`: nothing when there is no boost,
 *  nor for an instance with no boot to wait for (no $PORT check, no health check: a worker is
 *  up once started, so its boost would end before it began). */
export function bootCpus(dynoCpus: number, boost: number, bootIsAwaited: boolean): { bootCpus?: number } {
  return boost > 1 && bootIsAwaited ? { bootCpus: Math.round(dynoCpus * boost * 100) / 100 } : {};
}
