// Test harness for the CLI (used by the *.test.ts files only): runs command lines in-process
// with captured IO, and makes sure the compiled dist/cli/main.js is current for the tests
// that spawn it or let git run it.
import { execFile } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Env } from '../../common/config.js';
import { loadCliConfig } from '../config.js';
import { parseInfraCliSettings } from '../infra.js';
import type { ProgressStream } from '../progress.js';
import { runCli } from '../program.js';
import { spawnRunner, type CommandRunner } from '../runner.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Env;
  cwd?: string;
  stdin?: string;
  signal?: AbortSignal;
  /** A terminal-like stream for spinners (absent: none, as when stderr is piped). */
  progress?: ProgressStream;
  /** Called with everything printed so far, on every write (to watch a stream). */
  onStdout?: (all: string) => void;
  /** The same for stderr (notes, such as `login --sso`'s URL). */
  onStderr?: (all: string) => void;
}

export const repoRoot = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
export const compiledCli = join(repoRoot, 'dist', 'cli', 'main.js');

/** A `slipway` that runs in this process with `home` as its home directory. */
export function inProcessCli(defaults: { home: string; cwd: string; env?: Env; run?: CommandRunner; self?: string[] }) {
  return async (args: string[], options: RunOptions = {}): Promise<CliResult> => {
    let stdout = '';
    let stderr = '';
    const env = { ...defaults.env, ...options.env };
    const code = await runCli(args, {
      stdout: (text) => {
        stdout += text;
        options.onStdout?.(stdout);
      },
      stderr: (text) => {
        stderr += text;
        options.onStderr?.(stderr);
      },
      readStdin: async () => options.stdin ?? '',
      readSecret: async () => (options.stdin ?? '').split('\n')[0]!,
      cwd: options.cwd ?? defaults.cwd,
      config: loadCliConfig(env, defaults.home),
      infra: parseInfraCliSettings({ SLIPWAY_HOME: join(defaults.home, '.slipway'), ...env }),
      run: defaults.run ?? spawnRunner,
      self: defaults.self ?? [process.execPath, compiledCli],
      signal: options.signal,
      progress: options.progress,
    });
    return { code, stdout, stderr };
  };
}

async function newestSource(dirs: string[]): Promise<number> {
  let newest = 0;
  for (const dir of dirs) {
    for (const entry of await readdir(join(repoRoot, dir), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.test.ts')) continue;
      newest = Math.max(newest, (await stat(join(entry.parentPath, entry.name))).mtimeMs);
    }
  }
  return newest;
}

async function compiledTime(): Promise<number> {
  return stat(compiledCli).then((s) => s.mtimeMs, () => 0);
}

/**
 * Compiles the project when dist/cli/main.js is older than the CLI's sources (cli/, common/).
 * No lock: concurrent builds write the same output. tsc's exit code is not ours to judge
 * (other folders may be mid-change); the CLI's output being fresh afterwards is.
 */
export async function ensureCliBuilt(): Promise<string> {
  const sources = await newestSource(['cli', 'common']);
  if ((await compiledTime()) > sources) return compiledCli;
  const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  const output = await promisify(execFile)(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 }).then(
    (r) => r.stdout,
    (err: { stdout?: string }) => err.stdout ?? '',
  );
  if ((await compiledTime()) <= sources) {
    throw new Error(`compiling did not produce a current ${compiledCli}:\n${output.split('\n').filter((l) => l.startsWith('cli/')).join('\n') || output.slice(0, 4000)}`);
  }
  return compiledCli;
}
