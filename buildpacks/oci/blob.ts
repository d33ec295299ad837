// Layer blobs on disk: a gzip file with both of its identities, the digest of the compressed
// bytes (what the registry stores) and of the uncompressed tar (the image config's diff_id).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { LAYER_MEDIA_TYPE } from './media-types.js';

export interface LayerBlob {
  mediaType: string;
  /** sha256 of the gzip bytes */
  digest: string;
  /** gzip size in bytes */
  size: number;
  /** sha256 of the uncompressed tar */
  diffId: string;
  /** the gzip file */
  path: string;
}

/** A LayerBlob as the layer caches save it next to the gzip file (JSON), read back checked. */
export const savedLayerBlob: z.ZodType<LayerBlob> = z.object({
  mediaType: z.string(),
  digest: z.string(),
  size: z.number(),
  diffId: z.string(),
  path: z.string(),
});

/** A pass-through stream that hashes (and counts) what flows through it. */
export class HashingStream extends Transform {
  private readonly hash = createHash('sha256');
  bytes = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.push(chunk);
    callback();
  }

  digest(): string {
    return `sha256:${this.hash.digest('hex')}`;
  }
}

export function sha256Digest(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** sha256 of a file, as a digest string. */
export async function fileDigest(path: string): Promise<{ digest: string; size: number }> {
  const hasher = new HashingStream();
  await pipeline(createReadStream(path), hasher, async function* (source) {
    for await (const _ of source) void _;
  });
  return { digest: hasher.digest(), size: hasher.bytes };
}

/** Gzip at level 6 on every core. pigz's output does not depend on how many threads made it
 *  (nor, with --no-name, on when), so equal tars still give equal blobs; it is also the
 *  unpigz that Docker Engine decompresses pulled layers with when it is installed. */
export const GZIP_ARGV = ['pigz', '-6', '--no-name', '--stdout'] as const;

/**
 * Gzips the tar `input` into `outFile` (written under a temporary name, renamed when complete).
 */
export async function writeGzipLayer(input: NodeJS.ReadableStream | AsyncIterable<Uint8Array>, outFile: string): Promise<LayerBlob> {
  const uncompressed = new HashingStream();
  const compressed = new HashingStream();
  const partial = `${outFile}.partial-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const [command, ...args] = GZIP_ARGV;
  const gzip = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  gzip.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  let spawnFailure: Error | null = null;
  const exited = new Promise<void>((resolve, reject) => {
    gzip.once('error', (err: NodeJS.ErrnoException) => {
      spawnFailure = err.code === 'ENOENT' ? new Error(`${command} is not installed (Debian package ${command}): layers are compressed with it`) : err;
      reject(spawnFailure);
    });
    gzip.once('close', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${command} exited with ${code ?? signal}: ${stderr.trim()}`))));
  });
  // All three settle before the partial file is kept or removed, so nothing writes it afterwards.
  // The first failure in this order is the cause: a missing pigz, the input, the output, pigz.
  const results = await Promise.allSettled([
    pipeline(input, uncompressed, gzip.stdin),
    pipeline(gzip.stdout, compressed, createWriteStream(partial)),
    exited,
  ]);
  const failure = spawnFailure ?? results.find((result): result is PromiseRejectedResult => result.status === 'rejected')?.reason;
  try {
    if (failure) throw failure;
    await rename(partial, outFile);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
  return {
    mediaType: LAYER_MEDIA_TYPE,
    digest: compressed.digest(),
    size: compressed.bytes,
    diffId: uncompressed.digest(),
    path: outFile,
  };
}
