// Layer blobs on disk: a gzip file with both of its identities, the digest of the compressed
// bytes (what the registry stores) and of the uncompressed tar (the image config's diff_id).
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { gzipMembers } from '../gzip-members.js';
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

/**
 * Gzips the tar `input` into `outFile` (written under a temporary name, renamed when complete).
 */
export async function writeGzipLayer(input: NodeJS.ReadableStream | AsyncIterable<Uint8Array>, outFile: string): Promise<LayerBlob> {
  const uncompressed = new HashingStream();
  const compressed = new HashingStream();
  const partial = `${outFile}.partial-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    // settles once nothing writes the partial file any more, so it is then kept or removed
    await pipeline(input, uncompressed, gzipMembers(), compressed, createWriteStream(partial));
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
