// The real pigz between streams: what it decompresses, and which failure is named when one
// side fails and takes the others down with it.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GUNZIP_ARGS, throughPigz } from './pigz.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-pigz-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const feedFrom = (bytes: Buffer) => (stdin: Writable) => pipeline(Readable.from([bytes]), stdin);

async function gunzip(bytes: Buffer): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await throughPigz(GUNZIP_ARGS, feedFrom(bytes), async (stdout) => {
    for await (const chunk of stdout) chunks.push(chunk as Buffer);
  });
  return Buffer.concat(chunks);
}

/** Gzip of `megabytes` of random bytes, sent 64 kB at a time, as a download comes. */
function endlessGzip(megabytes: number): Readable {
  const whole = gzipSync(randomBytes(megabytes * 1024 * 1024), { level: 1 });
  return Readable.from(Array.from({ length: Math.ceil(whole.length / 65536) }, (_, i) => whole.subarray(i * 65536, (i + 1) * 65536)));
}

describe('throughPigz', () => {
  it('decompresses gzip, several members one after another as one stream', async () => {
    const first = randomBytes(300_000);
    const second = Buffer.alloc(200_000, 'x');
    expect((await gunzip(Buffer.concat([gzipSync(first), gzipSync(second)]))).equals(Buffer.concat([first, second]))).toBe(true);
  });

  it('names bad gzip data with pigz’s own words', async () => {
    await expect(gunzip(Buffer.from('this is not gzip'))).rejects.toThrow(/^pigz exited with 1: .*unrecognized format/);
    const truncated = gzipSync(randomBytes(100_000)).subarray(0, 50_000);
    await expect(gunzip(truncated)).rejects.toThrow(/^pigz exited with 1: .*(incomplete|unexpected end)/);
  });

  it('names the output when it fails, while the input still has megabytes to give', async () => {
    const settled = throughPigz(
      GUNZIP_ARGS,
      (stdin) => pipeline(endlessGzip(32), stdin),
      async (stdout) => {
        for await (const _ of stdout) throw new Error('no room left for the files');
      },
    );
    await expect(settled).rejects.toThrow('no room left for the files');
  });

  it('names the input when it fails', async () => {
    const failing = Readable.from(
      (async function* () {
        yield gzipSync(randomBytes(100_000)).subarray(0, 20_000);
        throw new Error('the download broke off');
      })(),
    );
    await expect(throughPigz(GUNZIP_ARGS, (stdin) => pipeline(failing, stdin), async (stdout) => void (await stdout.toArray()))).rejects.toThrow('the download broke off');
  });

  it('says pigz is missing when it is', async () => {
    const path = process.env.PATH;
    process.env.PATH = join(dir, 'nothing-here');
    try {
      await expect(gunzip(gzipSync(Buffer.from('hello')))).rejects.toThrow('pigz is not installed (Debian package pigz)');
    } finally {
      process.env.PATH = path;
    }
  });
});
