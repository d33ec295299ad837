// pigz between two streams: package tarballs are gunzipped with it (its reading, writing and
// checking on threads of their own: the 57 MB Node.js tarball in 0.6 s, against 1.2 s through
// Node's zlib). It is also the unpigz Docker Engine decompresses pulled layers with when it is
// installed. (Layers are gzipped by libdeflate: gzip-members.ts.)
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

export const GUNZIP_ARGS = ['--decompress', '--stdout'] as const;

const PIGZ = 'pigz';

/** A write into pigz's input that failed because pigz had gone: a consequence, never a cause. */
const intoGonePigz = (err: unknown): boolean => ['EPIPE', 'ERR_STREAM_DESTROYED'].includes((err as NodeJS.ErrnoException)?.code ?? '');

/**
 * Runs pigz with `args`, `feed` writing its input and `drain` reading its output; settles once
 * all three have, so nothing writes or reads afterwards. A failed `drain` stops pigz at once.
 * The first failure in this order is the cause: a missing pigz, the input, pigz itself (bad
 * gzip data, say), the output. pigz dying of a broken pipe or stopped here, or the input
 * failing to write into a pigz that had gone, come after: they follow from another failure.
 */
export async function throughPigz(
  args: readonly string[],
  feed: (stdin: Writable) => Promise<void>,
  drain: (stdout: Readable) => Promise<void>,
): Promise<void> {
  const child = spawn(PIGZ, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  let missing: Error | null = null;
  let stopped = false;
  let pigzCaused = true;
  const exited = new Promise<void>((resolve, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      missing = err.code === 'ENOENT' ? new Error(`${PIGZ} is not installed (Debian package ${PIGZ}): package tarballs are gunzipped with it`) : err;
      reject(missing);
    });
    child.once('close', (code, signal) => {
      pigzCaused = !stopped && signal !== 'SIGPIPE';
      if (code === 0) resolve();
      else reject(new Error(`${PIGZ} exited with ${code ?? signal}: ${stderr.trim()}`));
    });
  });
  const drained = drain(child.stdout).catch((err: unknown) => {
    stopped = true;
    child.kill();
    throw err;
  });
  const [input, output, pigz] = await Promise.allSettled([feed(child.stdin), drained, exited]);
  if (missing) throw missing;
  const rejected = (result: PromiseSettledResult<void>, caused = true) => (result.status === 'rejected' && caused ? result : null);
  const first =
    rejected(input, input.status === 'rejected' && !intoGonePigz(input.reason)) ?? rejected(pigz, pigzCaused) ?? rejected(output) ?? rejected(input) ?? rejected(pigz);
  if (first) throw first.reason;
}
