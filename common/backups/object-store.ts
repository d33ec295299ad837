// The backups' object store, through the S3 API: streaming multipart upload (lib-storage; a
// failed upload is aborted, so no partial object stays), streaming download, delete. Used by the
// agent (capture, restore) and the control plane (download, retention, delete).
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Readable } from 'node:stream';
import type { BackupStorage } from '../protocol.js';

export class BackupObjects {
  private readonly client: S3Client;

  /** No connection is made until the first call. */
  constructor(private readonly storage: BackupStorage) {
    this.client = new S3Client({
      region: storage.region,
      ...(storage.endpoint ? { endpoint: storage.endpoint } : {}),
      forcePathStyle: storage.forcePathStyle,
      credentials: { accessKeyId: storage.accessKeyId, secretAccessKey: storage.secretAccessKey },
      maxAttempts: 3,
      // S3-compatible stores differ on the newer default checksums (composite CRCs of multipart
      // objects); the payload is authenticated by its own encryption anyway
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  /** Streams `body` to `key` in 8 MiB parts (at most four in memory); returns the stored size. */
  async upload(key: string, body: Readable): Promise<number> {
    let bytes = 0;
    body.on('data', (chunk: Buffer) => (bytes += chunk.length));
    const upload = new Upload({ client: this.client, params: { Bucket: this.storage.bucket, Key: key, Body: body }, partSize: 8 * 1024 * 1024, queueSize: 2, leavePartsOnError: false });
    await upload.done();
    return bytes;
  }

  async download(key: string): Promise<Readable> {
    const { Body } = await this.client.send(new GetObjectCommand({ Bucket: this.storage.bucket, Key: key }));
    if (!Body) throw new Error(`backup object ${key} has no body`);
    return Body as Readable;
  }

  /** The object's size, or null when there is none. */
  async size(key: string): Promise<number | null> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.storage.bucket, Key: key }));
      return head.ContentLength ?? 0;
    } catch (err) {
      if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return null;
      throw err;
    }
  }

  async remove(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.storage.bucket, Key: key }));
  }

  close(): void {
    this.client.destroy();
  }
}
