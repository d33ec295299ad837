// How long each phase of a build took, for the log and for the team's deploy benchmark.

export class PhaseTimer {
  private readonly phases: Record<string, number> = {};
  private readonly started = Date.now();

  async time<T>(phase: string, fn: () => Promise<T>): Promise<T> {
    const start = Date.now();
    try {
      return await fn();
    } finally {
      this.phases[phase] = (this.phases[phase] ?? 0) + (Date.now() - start);
    }
  }

  /** Milliseconds per phase, plus `total` since the timer was made. */
  result(): Record<string, number> {
    return { ...this.phases, total: Date.now() - this.started };
  }
}

/** `total 12.3 s (dependencies 8.1 s, push 0.4 s, ...)` */
export function describeTimings(timings: Record<string, number>): string {
  const { total = 0, ...phases } = timings;
  const parts = Object.entries(phases).map(([phase, ms]) => `${phase} ${(ms / 1000).toFixed(1)} s`);
  return `total ${(total / 1000).toFixed(1)} s (${parts.join(', ')})`;
}
