// A platform component kept running: when it exits without being asked to, it is started
// again after a growing pause (1 s, 2 s, ... 30 s), as a service manager would. It runs in a
// process group of its own, so it hears signals from its supervisor only: a terminal's Ctrl-C
// goes to the supervisor, which stops the components in order, each once.
import { setTimeout as sleep } from 'node:timers/promises';
import { ManagedProcess, type ProcessSpec } from './managed-process.js';

/** Pure: the pause before restart number `restarts` (0-based). */
export function restartPauseMs(restarts: number): number {
  return Math.min(1000 * 2 ** restarts, 30_000);
}

export class SupervisedProcess {
  private current: ManagedProcess;
  private stopping = false;
  private restarts = 0;

  constructor(
    private readonly spec: ProcessSpec,
    private readonly report: (line: string) => void,
    private readonly pauseMs: (restarts: number) => number = restartPauseMs,
    /** A run this long was healthy: the next crash starts the backoff over. */
    private readonly stableMs = 60_000,
  ) {
    this.current = this.launch();
  }

  get process(): ManagedProcess {
    return this.current;
  }

  waitUntilReady(probe: () => Promise<boolean>, timeoutMs?: number): Promise<void> {
    return this.current.waitUntilReady(probe, timeoutMs);
  }

  async stop(graceMs?: number): Promise<void> {
    this.stopping = true;
    await this.current.stop(graceMs);
  }

  private launch(): ManagedProcess {
    const proc = new ManagedProcess({ ...this.spec, ownProcessGroup: true });
    const startedAt = Date.now();
    void proc.exited.then(async ({ code, signal }) => {
      if (this.stopping) return;
      if (Date.now() - startedAt >= this.stableMs) this.restarts = 0;
      const pause = this.pauseMs(this.restarts++);
      this.report(`${this.spec.name} exited unexpectedly (${signal ?? `code ${code}`}); restarting it in ${pause / 1000} s`);
      await sleep(pause);
      if (!this.stopping) this.current = this.launch();
    });
    return proc;
  }
}
