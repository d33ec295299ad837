// Getting blobs and an image manifest into a repository while sending as few bytes as
// possible: a blob the repository has is skipped (HEAD), one another repository has is
// mounted, and only the rest is uploaded.
import { createReadStream } from 'node:fs';
import type { RegistryClient } from './registry.js';

export interface PushableBlob {
  digest: string;
  size: number;
  /** the blob on disk, or its bytes */
  path?: string;
  bytes?: Buffer;
}

export type BlobOutcome = 'present' | 'mounted' | 'uploaded';

export interface PushStats {
  uploaded: number;
  bytesUploaded: number;
  mounted: number;
  present: number;
}

export const emptyStats = (): PushStats => ({ uploaded: 0, bytesUploaded: 0, mounted: 0, present: 0 });

export function countOutcome(stats: PushStats, outcome: BlobOutcome, size: number): void {
  if (outcome === 'uploaded') {
    stats.uploaded++;
    stats.bytesUploaded += size;
  } else if (outcome === 'mounted') stats.mounted++;
  else stats.present++;
}

/** Makes sure `repo` holds `blob`, trying each of `mountFrom` before uploading it. */
export async function ensureBlob(
  client: RegistryClient,
  repo: string,
  blob: PushableBlob,
  mountFrom: readonly string[] = [],
): Promise<BlobOutcome> {
  if (await client.headBlob(repo, blob.digest)) return 'present';
  for (const source of mountFrom) {
    if (source !== repo && (await client.mountBlob(repo, blob.digest, source))) return 'mounted';
  }
  if (blob.bytes) {
    await client.uploadBlob(repo, blob.digest, blob.bytes);
  } else if (blob.path) {
    const path = blob.path;
    await client.uploadBlob(repo, blob.digest, { size: blob.size, open: () => createReadStream(path) });
  } else {
    throw new Error(`blob ${blob.digest} has neither bytes nor a path`);
  }
  return 'uploaded';
}
