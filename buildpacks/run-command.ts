// Runs a host command (argv) to completion, its output line by line to a sink, and throws a
// CommandError carrying the last lines when it fails.
import { ManagedProcess } from '../common/managed-process.js';
import { CommandError } from './errors.js';
import { LineTail } from './log.js';

export interface RunCommandOptions {
  env?: Record<string, string>;
  onLine?: (line: string) => void;
}

export async function runCommand(argv: readonly string[], options: RunCommandOptions = {}): Promise<void> {
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
  const { code } = await proc.exited;
  if (code !== 0) throw new CommandError(argv, code, tail.get());
}
