// Runs a program from an argv array (never through a shell) and collects its output.
import { spawn } from 'node:child_process';
import { CliError } from './errors.js';

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** `stdin`: written to the program's stdin (a secret for `docker login --password-stdin`), else none. */
export type CommandRunner = (argv: readonly string[], options: { cwd: string; stdin?: string }) => Promise<CommandResult>;

export const spawnRunner: CommandRunner = (argv, { cwd, stdin }) =>
  new Promise((resolve, reject) => {
    const [program, ...args] = argv;
    if (!program) return reject(new CliError('empty command'));
    const child = spawn(program, args, { cwd, stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], shell: false });
    if (stdin !== undefined) child.stdin!.end(stdin);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.once('error', (err: NodeJS.ErrnoException) => {
      reject(new CliError(err.code === 'ENOENT' ? `${program} is not installed (or not on PATH).` : `Could not run ${program}: ${err.message}`, { cause: err }));
    });
    child.once('close', (code, signal) => {
      resolve({
        exitCode: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
  });

/** Runs argv and returns its trimmed stdout, or throws a CliError with its stderr. */
export async function runChecked(run: CommandRunner, argv: readonly string[], cwd: string): Promise<string> {
  const result = await run(argv, { cwd });
  if (result.exitCode !== 0) {
    const why = result.stderr.trim() || `exit code ${result.exitCode}`;
    throw new CliError(`${argv.slice(0, 3).join(' ')} failed: ${why}`);
  }
  return result.stdout.trim();
}
