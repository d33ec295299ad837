// Pushes an image: its layer blobs (skipping, mounting or uploading each), its config blob,
// then the manifest under a tag. Counts what was actually sent.
import type { SerializedBlob } from './image.js';
import { countOutcome, emptyStats, ensureBlob, type PushableBlob, type PushStats } from './push.js';
import type { RegistryClient } from './registry.js';

export interface LayerToPush {
  blob: PushableBlob;
  /** repositories that may hold the blob already (mounted from instead of uploading) */
  mountFrom: string[];
  /** a repository the blob is first put into (once), so that later images mount it from there */
  sharedRepository?: string;
}

export interface PushedImage {
  digest: string;
  /** layer blobs only (the config blob is not a layer) */
  layers: PushStats;
  /** every byte uploaded, config included */
  bytesUploaded: number;
}

async function pushLayer(client: RegistryClient, repo: string, layer: LayerToPush, stats: PushStats): Promise<void> {
  const { blob, sharedRepository, mountFrom } = layer;
  if (!sharedRepository || (await client.headBlob(repo, blob.digest))) {
    countOutcome(stats, await ensureBlob(client, repo, blob, mountFrom), blob.size);
    return;
  }
  const shared = await ensureBlob(client, sharedRepository, blob, mountFrom);
  const outcome = await ensureBlob(client, repo, blob, [sharedRepository, ...mountFrom]);
  // Bytes sent to the shared repository and then mounted count as one upload.
  countOutcome(stats, shared === 'uploaded' ? 'uploaded' : outcome, blob.size);
}

export async function pushImage(
  client: RegistryClient,
  repo: string,
  tag: string,
  layers: readonly LayerToPush[],
  config: SerializedBlob,
  manifest: SerializedBlob,
): Promise<PushedImage> {
  const stats = emptyStats();
  await Promise.all(layers.map((layer) => pushLayer(client, repo, layer, stats)));
  const configOutcome = await ensureBlob(client, repo, config);
  const digest = await client.putManifest(repo, tag, manifest.bytes);
  if (digest !== manifest.digest) throw new Error(`manifest digest ${digest} differs from the computed ${manifest.digest}`);
  return { digest, layers: stats, bytesUploaded: stats.bytesUploaded + (configOutcome === 'uploaded' ? config.size : 0) };
}
