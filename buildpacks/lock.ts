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

/**
 * Waits until the lock on `lockFile` is ours (creating the file and its directory if needed).
 * `signal` gives up the wait (rejecting with its reason), leaving the lock to the next waiter.
 */
export async function acquireFileLock(lockFile: string, signal?: AbortSignal): Promise<FileLock> {
  signal?.throwIfAborted();
  await mkdir(dirname(lockFile), { recursive: true });
  const [command, ...args] = flockArgv(lockFile) as [string, ...string[]];
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // cat inherits the locked file: ending its stdin ends it too, should flock have got the lock
  const giveUp = () => {
    child.stdin.end();
    child.kill('SIGKILL');
  };
  signal?.addEventListener('abort', giveUp, { once: true });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => resolve());
      child.once('error', (err) => reject(new LockError(`cannot lock ${lockFile}`, err)));
      child.once('close', (code) => reject(signal?.aborted ? signal.reason : new LockError(`cannot lock ${lockFile}: flock exited with ${code}: ${stderr.trim()}`)));
      child.stdin.write('locked\n');
    });
  } finally {
    signal?.removeEventListener('abort', giveUp);
  }
  child.stdout.resume();
  return {
    release: async () => {
      child.stdin.end();
      await exited;
    },
  };
}

/** Runs `fn` while holding the lock on `lockFile`; `signal` gives up waiting for it. */
export async function withFileLock<T>(lockFile: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  const lock = await acquireFileLock(lockFile, signal);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
