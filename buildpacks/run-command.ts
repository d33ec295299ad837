// Runs a host command (argv) to completion, its output line by line to a sink, and throws a
// CommandError carrying the last lines when it fails.
import { ManagedProcess } from '../common/managed-process.js';
import { CommandError } from './errors.js';
import { LineTail } from './log.js';

export interface RunCommandOptions {
  env?: Record<string, string>;
  onLine?: (line: string) => void;
  /** Stops the command (SIGTERM, then SIGKILL) and rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** How long an aborted command has to exit on SIGTERM (debootstrap and apt unmount on the way out). */
const ABORT_GRACE_MS = 5000;

export async function runCommand(argv: readonly string[], options: RunCommandOptions = {}): Promise<void> {
  const { signal } = options;
  signal?.throwIfAborted();
  const tail = new LineTail(20);
  const proc = new ManagedProcess({
    name: argv[0] ?? 'command',
    argv,
    env: options.env ? { ...process.env, ...options.env } : process.env,
    onLine: (line) => {
      tail.push(line);
      options.onLine?.(line);
    },
  });
  const abort = () => void proc.stop(ABORT_GRACE_MS);
  signal?.addEventListener('abort', abort, { once: true });
  try {
    const { code } = await proc.exited;
    signal?.throwIfAborted();
    if (code !== 0) throw new CommandError(argv, code, tail.get());
  } finally {
    signal?.removeEventListener('abort', abort);
  }
}
