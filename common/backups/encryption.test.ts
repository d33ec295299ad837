import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { BACKUP_MAGIC, backupKey, BackupIntegrityError, decryptingStream, encryptingStream } from './encryption.js';

const platformKey = randomBytes(32);
const key = backupKey(platformKey, 'salt-1');

async function through(transform: NodeJS.ReadWriteStream, input: Buffer, pieces = 7): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let at = 0; at < input.length; at += Math.ceil(input.length / pieces) || 1) parts.push(input.subarray(at, at + (Math.ceil(input.length / pieces) || 1)));
  const out: Buffer[] = [];
  await pipeline(Readable.from(parts), transform, async (source: AsyncIterable<Buffer | string>) => {
    for await (const chunk of source) out.push(Buffer.from(chunk));
  });
  return Buffer.concat(out);
}

describe('backup encryption', () => {
  it('round-trips empty, small and multi-chunk inputs, fed in any piece sizes', async () => {
    for (const size of [0, 1, 100, 1024, 1025, 5000]) {
      const plain = randomBytes(size);
      const sealed = await through(encryptingStream(key, 1024), plain);
      expect(sealed.subarray(0, 8)).toEqual(BACKUP_MAGIC);
      expect(await through(decryptingStream(key), sealed, 13)).toEqual(plain);
    }
  });

  it('never shows the plaintext', async () => {
    const plain = Buffer.from('PGDMP'.repeat(1000));
    const sealed = await through(encryptingStream(key, 512), plain);
    expect(sealed.includes(Buffer.from('PGDMP'))).toBe(false);
  });

  it('derives a different key per salt, and refuses a platform key that is not 32 bytes', () => {
    expect(backupKey(platformKey, 'salt-2')).not.toEqual(key);
    expect(backupKey(platformKey, 'salt-1')).toEqual(key);
    expect(() => backupKey(randomBytes(16), 'x')).toThrow(/32 bytes/);
  });

  it('detects a flipped byte, a cut-off stream, a dropped or swapped chunk, appended data and the wrong key', async () => {
    const plain = randomBytes(4000);
    const sealed = await through(encryptingStream(key, 1000), plain);
    const chunk = 4 + 1000 + 16;
    const head = sealed.subarray(0, 12);
    // 4000 bytes in 1000-byte chunks: three chunks, then the last 1000 bytes sealed as final
    const chunks = [0, 1, 2, 3].map((i) => sealed.subarray(12 + i * chunk, 12 + (i + 1) * chunk));
    expect(sealed.length).toBe(12 + 4 * chunk);
    const flipped = Buffer.from(sealed);
    flipped[200] = flipped[200]! ^ 1;
    const damaged = [
      flipped,
      sealed.subarray(0, sealed.length - 1),
      sealed.subarray(0, 12 + 3 * chunk), // the final chunk dropped
      Buffer.concat([head, chunks[1]!, chunks[0]!, chunks[2]!, chunks[3]!]),
      Buffer.concat([head, chunks[0]!, chunks[2]!, chunks[3]!]),
      Buffer.concat([sealed, chunks[0]!]),
      Buffer.from('PGDMP not encrypted at all'),
    ];
    for (const bytes of damaged) await expect(through(decryptingStream(key), bytes)).rejects.toBeInstanceOf(BackupIntegrityError);
    await expect(through(decryptingStream(backupKey(platformKey, 'other')), sealed)).rejects.toThrow(/damaged or was altered/);
  });

  it('streams: a large input goes through without being held whole', async () => {
    let produced = 0;
    const total = 32 * 1024 * 1024;
    const source = Readable.from(
      (function* () {
        while (produced < total) {
          produced += 1024 * 1024;
          yield Buffer.alloc(1024 * 1024, 7);
        }
      })(),
    );
    let seen = 0;
    await pipeline(source, encryptingStream(key), decryptingStream(key), async (decrypted: AsyncIterable<Buffer | string>) => {
      for await (const piece of decrypted) seen += piece.length;
    });
    expect(seen).toBe(total);
  });
});
