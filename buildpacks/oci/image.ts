// Image config and manifest (Docker schema 2), assembled from data by pure functions.
import { sha256Digest } from './blob.js';
import { CONFIG_MEDIA_TYPE, LAYER_MEDIA_TYPE, MANIFEST_MEDIA_TYPE } from './media-types.js';

export interface ImageLayer {
  digest: string;
  size: number;
  diffId: string;
  mediaType?: string;
  /** what made the layer, for `docker history` */
  createdBy: string;
  comment?: string;
}

export interface ImageSpec {
  /** ISO 8601 */
  created: string;
  user: string;
  workingDir: string;
  env: string[];
  labels: Record<string, string>;
  cmd?: string[];
  layers: ImageLayer[];
}

export interface SerializedBlob {
  digest: string;
  size: number;
  bytes: Buffer;
}

function serialize(value: unknown): SerializedBlob {
  const bytes = Buffer.from(JSON.stringify(value));
  return { digest: sha256Digest(bytes), size: bytes.length, bytes };
}

/** The image config blob: runtime settings, the layers' diff_ids in order, their history. */
export function imageConfig(spec: ImageSpec): SerializedBlob {
  return serialize({
    architecture: 'amd64',
    os: 'linux',
    created: spec.created,
    config: {
      User: spec.user,
      WorkingDir: spec.workingDir,
      Env: spec.env,
      Labels: spec.labels,
      ...(spec.cmd ? { Cmd: spec.cmd } : {}),
    },
    rootfs: { type: 'layers', diff_ids: spec.layers.map((layer) => layer.diffId) },
    history: spec.layers.map((layer) => ({
      created: spec.created,
      created_by: layer.createdBy,
      ...(layer.comment ? { comment: layer.comment } : {}),
    })),
  });
}

/** The manifest that ties the config blob and the layer blobs together. */
export function imageManifest(config: { digest: string; size: number }, layers: readonly ImageLayer[]): SerializedBlob {
  return serialize({
    schemaVersion: 2,
    mediaType: MANIFEST_MEDIA_TYPE,
    config: { mediaType: CONFIG_MEDIA_TYPE, size: config.size, digest: config.digest },
    layers: layers.map((layer) => ({
      mediaType: layer.mediaType ?? LAYER_MEDIA_TYPE,
      size: layer.size,
      digest: layer.digest,
    })),
  });
}
