// A process stops in steps, and one failing step (a connection already gone, a pass whose last
// write is refused) must not skip the steps after it: the control plane's last ones stop the
// agents, whose stop takes the app containers down with them.

export interface ShutdownStep {
  /** Says which step failed, in the log. */
  name: string;
  run: () => unknown;
}

/** Runs every step in order, whatever the earlier ones did; returns the names of those that failed. */
export async function runShutdownSteps(steps: readonly ShutdownStep[], onFailure: (name: string, err: unknown) => void): Promise<string[]> {
  const failed: string[] = [];
  for (const step of steps) {
    try {
      await step.run();
    } catch (err) {
      failed.push(step.name);
      onFailure(step.name, err);
    }
  }
  return failed;
}
