// An exclusive lock between processes on this machine (parallel test files, concurrent builds).
// The kernel's flock(2) holds it, through a `flock <file> cat` child: the lock is ours once
// `cat` echoes what we wrote, and it is released when we close cat's stdin or when this
// process dies, so a crashed holder never leaves a stale lock behind.
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SlipwayError } from '../common/errors.js';

export class LockError extends SlipwayError {
  override name = 'LockError';
  constructor(message: string, cause?: unknown) {
    super('lock_failed', message, { status: 500, cause });
  }
}

export interface FileLock {
  release(): Promise<void>;
}

export function flockArgv(lockFile: string): string[] {
  return ['flock', '--exclusive', lockFile, 'cat'];
}

/** Waits until the lock on `lockFile` is ours (creating the file and its directory if needed). */
export async function acquireFileLock(lockFile: string): Promise<FileLock> {
  await mkdir(dirname(lockFile), { recursive: true });
  const [command, ...args] = flockArgv(lockFile) as [string, ...string[]];
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('error', (err) => reject(new LockError(`cannot lock ${lockFile}`, err)));
    child.once('close', (code) => reject(new LockError(`cannot lock ${lockFile}: flock exited with ${code}: ${stderr.trim()}`)));
    child.stdin.write('locked\n');
  });
  child.stdout.resume();
  return {
    release: async () => {
      child.stdin.end();
      await exited;
    },
  };
}

/** Runs `fn` while holding the lock on `lockFile`. */
export async function withFileLock<T>(lockFile: string, fn: () => Promise<T>): Promise<T> {
  const lock = await acquireFileLock(lockFile);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
