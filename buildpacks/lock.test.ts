import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireFileLock, flockArgv, withFileLock } from './lock.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function lockFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-lock-'));
  dirs.push(dir);
  return join(dir, 'nested', 'test.lock');
}

describe('file lock', () => {
  it('is an argv, never a shell string', () => {
    expect(flockArgv('/tmp/a b.lock')).toEqual(['flock', '--exclusive', '/tmp/a b.lock', 'cat']);
  });

  it('lets a second holder in only after the first released it', async () => {
    const file = await lockFile();
    const events: string[] = [];
    const first = await acquireFileLock(file);
    events.push('first acquired');
    const second = acquireFileLock(file).then((lock) => {
      events.push('second acquired');
      return lock;
    });
    // Give the second flock every chance to (wrongly) get the lock.
    await new Promise((resolve) => setTimeout(resolve, 300));
    events.push('first releasing');
    await first.release();
    await (await second).release();
    expect(events).toEqual(['first acquired', 'first releasing', 'second acquired']);
  });

  it('gives up waiting on abort, with the signal\'s reason, and leaves the lock to the next waiter', async () => {
    const file = await lockFile();
    const first = await acquireFileLock(file);
    const controller = new AbortController();
    const waiting = withFileLock(file, async () => 'entered', controller.signal);
    setTimeout(() => controller.abort(new Error('the control plane is stopping')), 200);
    await expect(waiting).rejects.toThrow('the control plane is stopping');
    await first.release();
    // the one who gave up holds nothing: the next waiter gets the lock at once
    const next = await Promise.race([acquireFileLock(file), new Promise<null>((resolve) => setTimeout(() => resolve(null), 2000))]);
    expect(next).not.toBeNull();
    await next!.release();
    await expect(withFileLock(file, async () => 'entered', AbortSignal.abort(new Error('already stopped')))).rejects.toThrow('already stopped');
  });

  it('serialises withFileLock sections and releases on failure', async () => {
    const file = await lockFile();
    let inside = 0;
    let maxInside = 0;
    const section = async () => {
      inside++;
      maxInside = Math.max(maxInside, inside);
      await new Promise((resolve) => setTimeout(resolve, 50));
      inside--;
    };
    await expect(withFileLock(file, async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    await Promise.all([withFileLock(file, section), withFileLock(file, section), withFileLock(file, section)]);
    expect(maxInside).toBe(1);
  });
});
