// The real libdeflate-gzip: members cut at fixed sizes, compressed side by side, read back as
// one stream by the gunzips Docker Engine and Node use; a failure on either side is the pipeline's.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { cutInto, gzipMembers } from './gzip-members.js';

/** `bytes` as a source sending `piece` bytes at a time. */
const sourceOf = (bytes: Buffer, piece = 65536) =>
  Readable.from(Array.from({ length: Math.ceil(bytes.length / piece) }, (_, i) => bytes.subarray(i * piece, (i + 1) * piece)));

async function gzipped(bytes: Buffer, options: Parameters<typeof gzipMembers>[0]): Promise<{ gzip: Buffer; members: number }> {
  const members: Buffer[] = [];
  await pipeline(sourceOf(bytes, 7000), gzipMembers(options), async function (source: AsyncIterable<Buffer>) {
    for await (const member of source) members.push(member);
  });
  return { gzip: Buffer.concat(members), members: members.length };
}

/** Half random, half runs of one byte: compressible, and no two members alike. */
const input = Buffer.concat(Array.from({ length: 40 }, (_, i) => (i % 2 ? randomBytes(10_000) : Buffer.alloc(10_000, i))));

describe('cutInto', () => {
  it('cuts at exact sizes whatever pieces come in, the last one shorter', async () => {
    const cuts: Buffer[] = [];
    for await (const cut of cutInto(sourceOf(input, 3333), 64_000)) cuts.push(Buffer.from(cut));
    expect(cuts.map((cut) => cut.length)).toEqual([64_000, 64_000, 64_000, 64_000, 64_000, 64_000, 16_000]);
    expect(Buffer.concat(cuts).equals(input)).toBe(true);
  });

  it('gives one empty cut for an empty source, and no empty tail after an exact fit', async () => {
    const lengths = async (bytes: Buffer) => {
      const found: number[] = [];
      for await (const cut of cutInto(sourceOf(bytes), 100)) found.push(cut.length);
      return found;
    };
    expect(await lengths(Buffer.alloc(0))).toEqual([0]);
    expect(await lengths(Buffer.alloc(300, 1))).toEqual([100, 100, 100]);
  });
});

describe('gzipMembers', () => {
  it('writes members in order that gunzip, unpigz and Node read as the input', async () => {
    const { gzip, members } = await gzipped(input, { memberBytes: 50_000, parallel: 3 });
    expect(members).toBe(8);
    expect(gunzipSync(gzip).equals(input)).toBe(true);
    const unpigz = spawnSync('unpigz', ['--stdout'], { input: gzip, maxBuffer: 16 * 1024 * 1024 });
    expect(unpigz.status).toBe(0);
    expect(unpigz.stdout.equals(input)).toBe(true);
    expect(gzip.length).toBeLessThan(input.length * 0.6);
  });

  it('gives the same bytes however many members are compressed at once', async () => {
    const one = await gzipped(input, { memberBytes: 50_000, parallel: 1 });
    const four = await gzipped(input, { memberBytes: 50_000, parallel: 4 });
    expect(four.gzip.equals(one.gzip)).toBe(true);
  });

  it('makes a valid gzip of nothing', async () => {
    const { gzip } = await gzipped(Buffer.alloc(0), {});
    expect(gunzipSync(gzip).length).toBe(0);
  });

  it('fails with its input', async () => {
    const failing = Readable.from(
      (async function* () {
        yield input.subarray(0, 120_000);
        throw new Error('the tree went away');
      })(),
    );
    const drain = new Writable({ write: (_chunk, _encoding, done) => done() });
    await expect(pipeline(failing, gzipMembers({ memberBytes: 50_000, parallel: 2 }), drain)).rejects.toThrow('the tree went away');
  });

  it('stops when what follows it fails', async () => {
    let written = 0;
    const refusing = new Writable({
      write: (_chunk, _encoding, done) => (++written > 1 ? done(new Error('no room left')) : done()),
    });
    await expect(pipeline(sourceOf(input), gzipMembers({ memberBytes: 20_000, parallel: 2 }), refusing)).rejects.toThrow('no room left');
  });
});
