// Runs one child process: argv as data, output line by line to a sink, readiness by probe,
// and a stop that escalates from SIGTERM to SIGKILL.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ProcessSpec {
  name: string;
  argv: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Receives each line the process writes to stdout or stderr. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Gives the child a stdin pipe that this process never writes to: it closes when this
   *  process dies, however it dies (SIGKILL included), so a child that reads it learns that
   *  its parent is gone. */
  lifeline?: boolean;
  /** Runs the process in a process group of its own: a signal to ours (a terminal's Ctrl-C) does not reach it. */
  ownProcessGroup?: boolean;
  /** Told the pid of each process started from this spec (a supervisor keeps it to find leftovers). */
  onSpawn?: (pid: number, argv: readonly string[]) => void;
}

/** Children still running when this process exits are killed with it, not left orphaned. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Installed with the first child rather than at import, so importing this module does nothing. */
function killChildrenOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

export class ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private exitedAlready = false;

  constructor(spec: ProcessSpec) {
    const [command, ...args] = spec.argv;
    if (!command) throw new Error(`${spec.name}: empty argv`);
    this.name = spec.name;
    this.child = spawn(command, args, {
      env: spec.env ?? process.env,
      cwd: spec.cwd,
      detached: spec.ownProcessGroup === true,
      stdio: [spec.lifeline ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    killChildrenOnExit();
    running.add(this.child);
    if (this.child.pid !== undefined) spec.onSpawn?.(this.child.pid, spec.argv);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        running.delete(this.child);
        this.exitedAlready = true;
        resolve({ code, signal });
      });
      this.child.once('error', () => {
        running.delete(this.child);
        this.exitedAlready = true;
        resolve({ code: null, signal: null });
      });
    });
    const onLine = spec.onLine ?? (() => {});
    for (const [stream, source] of [
      ['stdout', this.child.stdout],
      ['stderr', this.child.stderr],
    ] as const) {
      if (source) createInterface({ input: source }).on('line', (line) => onLine(line, stream));
    }
  }

  get running(): boolean {
    return !this.exitedAlready;
  }

  /** Resolves once `probe` returns true; rejects if the process exits first or time runs out. */
  async waitUntilReady(probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.name} exited before it was ready`);
      if (await probe().catch(() => false)) return;
      await sleep(100);
    }
    throw new Error(`${this.name} was not ready within ${Math.round(timeoutMs / 1000)} s`);
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    // unref'd: a child that stops at once must not leave a timer holding this process for graceMs
    const killed = await Promise.race([this.exited.then(() => true), sleep(graceMs, false, { ref: false })]);
    if (!killed) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}
