import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileDigest, sha256Digest, writeGzipLayer } from './blob.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-blob-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

// Several MB, half of it compressible.
const input = Buffer.concat(Array.from({ length: 24 }, (_, i) => (i % 2 ? randomBytes(256 * 1024) : Buffer.alloc(256 * 1024, i))));
const chunks = (bytes: Buffer) => Readable.from(Array.from({ length: Math.ceil(bytes.length / 65536) }, (_, i) => bytes.subarray(i * 65536, (i + 1) * 65536)));

describe('writeGzipLayer', () => {
  it('writes a gzip of the input with both digests, the same bytes every time', async () => {
    const first = await writeGzipLayer(chunks(input), join(dir, 'first.gz'));
    const second = await writeGzipLayer(chunks(input), join(dir, 'second.gz'));
    expect(gunzipSync(await readFile(first.path)).equals(input)).toBe(true);
    expect(first.diffId).toBe(sha256Digest(input));
    expect(await fileDigest(first.path)).toEqual({ digest: first.digest, size: first.size });
    expect(first.size).toBeLessThan(input.length * 0.6);
    expect(second.digest).toBe(first.digest);
  });

  it('says libdeflate-gzip is missing when it is, and leaves no partial file', async () => {
    const path = process.env.PATH;
    process.env.PATH = join(dir, 'nothing-here');
    try {
      await expect(writeGzipLayer(chunks(input), join(dir, 'nodeflate.gz'))).rejects.toThrow(
        'libdeflate-gzip is not installed (Debian package libdeflate-tools)',
      );
    } finally {
      process.env.PATH = path;
    }
    expect((await readdir(dir)).filter((name) => name.startsWith('nodeflate'))).toEqual([]);
  });

  it('fails with the input, leaving no file', async () => {
    const failing = Readable.from(
      (async function* () {
        yield input.subarray(0, 65536);
        throw new Error('the tree went away');
      })(),
    );
    await expect(writeGzipLayer(failing, join(dir, 'failed.gz'))).rejects.toThrow('the tree went away');
    expect((await readdir(dir)).filter((name) => name.startsWith('failed'))).toEqual([]);
  });
});
