// Client-side encryption of add-on backups, streaming, so neither the object store nor memory
// ever holds a whole plaintext dump. The format (version 1):
//
//   header  = "SLWYBK01" (8 bytes) | plaintext chunk size (u32 BE)
//   chunk*  = ciphertext length n (u32 BE) | AES-256-GCM ciphertext (n bytes) | tag (16 bytes)
//
// Chunk i is sealed with nonce = 4 zero bytes | i (u64 BE) and additional data = header | final
// flag (1 byte: 1 on the last chunk, which may be empty). The key is one backup's own (derived
// from the platform's key and the backup's random salt, HKDF-SHA256), so counter nonces never
// repeat under a key. A changed byte, a reordered, dropped or added chunk, or a cut-off stream
// (no final chunk) fails authentication.
import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

export const BACKUP_MAGIC = Buffer.from('SLWYBK01', 'ascii');
const HEADER_BYTES = BACKUP_MAGIC.length + 4;
const TAG_BYTES = 16;
export const DEFAULT_CHUNK_BYTES = 64 * 1024;
/** A reader refuses a header that claims bigger chunks than this (a tampered length must not make it buffer gigabytes). */
const MAX_CHUNK_BYTES = 16 * 1024 * 1024;

export class BackupIntegrityError extends Error {
  override name = 'BackupIntegrityError';
}

/** One backup's key: HKDF-SHA256 over the platform's 32-byte key with the backup's salt. */
export function backupKey(platformKey: Buffer, salt: string): Buffer {
  if (platformKey.length !== 32) throw new Error('the backups key must be 32 bytes');
  return Buffer.from(hkdfSync('sha256', platformKey, Buffer.from(salt, 'utf8'), Buffer.from('slipway backup v1', 'utf8'), 32));
}

function nonce(counter: bigint): Buffer {
  const iv = Buffer.alloc(12);
  iv.writeBigUInt64BE(counter, 4);
  return iv;
}

function header(chunkBytes: number): Buffer {
  const out = Buffer.alloc(HEADER_BYTES);
  BACKUP_MAGIC.copy(out);
  out.writeUInt32BE(chunkBytes, BACKUP_MAGIC.length);
  return out;
}

function seal(key: Buffer, head: Buffer, counter: bigint, plaintext: Buffer, final: boolean): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, nonce(counter));
  cipher.setAAD(Buffer.concat([head, Buffer.from([final ? 1 : 0])]));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  return Buffer.concat([length, body, cipher.getAuthTag()]);
}

/** A Transform from plaintext to the format above. */
export function encryptingStream(key: Buffer, chunkBytes = DEFAULT_CHUNK_BYTES): Transform {
  const head = header(chunkBytes);
  let pending: Buffer = Buffer.alloc(0);
  let counter = 0n;
  let started = false;
  const start = (stream: Transform) => {
    if (!started) stream.push(head);
    started = true;
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      start(this);
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      // keep at least one byte back: the last chunk must be sealed as final
      while (pending.length > chunkBytes) {
        this.push(seal(key, head, counter++, pending.subarray(0, chunkBytes), false));
        pending = pending.subarray(chunkBytes);
      }
      callback();
    },
    flush(callback: TransformCallback) {
      start(this);
      this.push(seal(key, head, counter++, pending, true));
      callback();
    },
  });
}

/** A Transform from the format above back to plaintext; errors with BackupIntegrityError on any tampering or truncation. */
export function decryptingStream(key: Buffer): Transform {
  let buffered: Buffer = Buffer.alloc(0);
  let head: Buffer | null = null;
  let counter = 0n;
  let finished = false;
  const fail = (message: string) => new BackupIntegrityError(`the backup is damaged or was altered: ${message}`);
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      try {
        if (!head) {
          if (buffered.length < HEADER_BYTES) return callback();
          if (!buffered.subarray(0, BACKUP_MAGIC.length).equals(BACKUP_MAGIC)) throw fail('not a Slipway backup (unknown header)');
          const chunkBytes = buffered.readUInt32BE(BACKUP_MAGIC.length);
          if (chunkBytes === 0 || chunkBytes > MAX_CHUNK_BYTES) throw fail('impossible chunk size');
          head = Buffer.from(buffered.subarray(0, HEADER_BYTES));
          buffered = buffered.subarray(HEADER_BYTES);
        }
        const maxBody = head.readUInt32BE(BACKUP_MAGIC.length);
        while (buffered.length >= 4) {
          if (finished) throw fail('data after the final chunk');
          const length = buffered.readUInt32BE(0);
          if (length > maxBody) throw fail('a chunk longer than the header allows');
          if (buffered.length < 4 + length + TAG_BYTES) break;
          const body = buffered.subarray(4, 4 + length);
          const tag = buffered.subarray(4 + length, 4 + length + TAG_BYTES);
          buffered = buffered.subarray(4 + length + TAG_BYTES);
          this.push(open(key, head, counter, body, tag, buffered.length === 0 ? null : false));
          counter += 1n;
        }
        callback();
      } catch (err) {
        callback(err instanceof BackupIntegrityError ? err : fail(String(err)));
      }
    },
    flush(callback: TransformCallback) {
      if (!head) return callback(fail('shorter than its header'));
      if (buffered.length > 0) return callback(fail('cut off inside a chunk'));
      if (!finished) return callback(fail('cut off before its final chunk'));
      callback();
    },
  });

  /** `final` null: not known yet (the stream may end here); the tag tells which one it was sealed as. */
  function open(key: Buffer, head: Buffer, index: bigint, body: Buffer, tag: Buffer, final: boolean | null): Buffer {
    const attempt = (asFinal: boolean): Buffer | null => {
      const decipher = createDecipheriv('aes-256-gcm', key, nonce(index));
      decipher.setAAD(Buffer.concat([head, Buffer.from([asFinal ? 1 : 0])]));
      decipher.setAuthTag(tag);
      try {
        return Buffer.concat([decipher.update(body), decipher.final()]);
      } catch {
        return null;
      }
    };
    const asNotFinal = attempt(false);
    if (asNotFinal) return asNotFinal;
    if (final === false) throw fail(`chunk ${index} does not authenticate`);
    const asFinal = attempt(true);
    if (!asFinal) throw fail(`chunk ${index} does not authenticate`);
    finished = true;
    return asFinal;
  }
}
