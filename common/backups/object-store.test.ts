// The object store against a real S3-compatible server (moto): multipart streaming upload,
// download, size, delete; an upload to a store that is down fails and leaves nothing.
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestS3, type TestS3 } from '../../test/support/s3-server.js';
import { freePort } from '../ports.js';
import { BackupObjects } from './object-store.js';

describe('the backups object store on a real S3 server', () => {
  let s3: TestS3;
  beforeAll(async () => {
    s3 = await startTestS3();
  }, 300_000);
  afterAll(async () => s3?.stop());

  it('streams a multi-part object up and back, tells its size, deletes it', async () => {
    const objects = new BackupObjects(s3.storage);
    const data = randomBytes(20 * 1024 * 1024 + 123); // three 8 MiB parts
    const parts = Array.from({ length: Math.ceil(data.length / 65536) }, (_, i) => data.subarray(i * 65536, (i + 1) * 65536));
    expect(await objects.upload('a/b001', Readable.from(parts))).toBe(data.length);
    expect(await objects.size('a/b001')).toBe(data.length);
    expect((await buffer(await objects.download('a/b001'))).equals(data)).toBe(true);
    await objects.remove('a/b001');
    expect(await objects.size('a/b001')).toBeNull();
    objects.close();
  }, 120_000);

  it('fails an upload to a store that is down', async () => {
    const down = new BackupObjects({ ...s3.storage, endpoint: `http://127.0.0.1:${await freePort()}` });
    await expect(down.upload('a/b002', Readable.from([Buffer.from('x')]))).rejects.toThrow(/ECONNREFUSED/);
    down.close();
    const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: s3.storage.bucket }));
    expect(listed.KeyCount ?? 0).toBe(0);
  }, 60_000);
});
