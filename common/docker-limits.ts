// Docker's unit for a CPU limit (HostConfig.NanoCpus: billionths of a CPU), converted once for
// every container Slipway makes or changes: apps, one-offs, add-ons and builds.

/** `cpus` CPUs as Docker's NanoCpus. */
export function nanoCpus(cpus: number): number {
  return Math.round(cpus * 1e9);
}

/** Docker's NanoCpus as CPUs. */
export function cpusOf(nano: number): number {
  return nano / 1e9;
}
