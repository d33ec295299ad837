// The app image as data (pure): the stack's layers, then the buildpack's (runtime,
// dependencies), then the app; run as the app user in /app.
import { APP_IMAGE_LABELS } from '../common/labels.js';
import type { ImageLayer, ImageSpec } from './oci/image.js';
import type { LayerBlob } from './oci/blob.js';

export interface ContributedLayer<Blob = LayerBlob> {
  blob: Blob;
  /** for `docker history` */
  createdBy: string;
  /** a repository the blob is also kept in, so that other apps mount it instead of uploading */
  sharedRepository?: string;
}

export interface AppImageInput {
  stackId: string;
  stackName: string;
  stackLayers: readonly LayerBlob[];
  contributed: readonly ContributedLayer[];
  appLayer: LayerBlob;
  env: string[];
  processTypes: Record<string, string>;
  appName: string;
  buildId: string;
  buildpack: string;
  created: string;
}

export { APP_IMAGE_LABELS };

const asImageLayer = (blob: LayerBlob, createdBy: string): ImageLayer => ({
  digest: blob.digest,
  size: blob.size,
  diffId: blob.diffId,
  mediaType: blob.mediaType,
  createdBy,
});

export function appImageSpec(input: AppImageInput): ImageSpec {
  const web = input.processTypes.web;
  return {
    created: input.created,
    user: '1000:1000',
    workingDir: '/app',
    env: input.env,
    labels: {
      [APP_IMAGE_LABELS.app]: input.appName,
      [APP_IMAGE_LABELS.buildId]: input.buildId,
      [APP_IMAGE_LABELS.buildpack]: input.buildpack,
      [APP_IMAGE_LABELS.stack]: input.stackId,
      [APP_IMAGE_LABELS.processTypes]: JSON.stringify(input.processTypes),
    },
    // Procfile commands are shell command lines, run by bash inside the app's own container (as on Heroku).
    ...(web ? { cmd: ['bash', '-c', web] } : {}),
    layers: [
      ...input.stackLayers.map((blob) => asImageLayer(blob, `slipway stack ${input.stackName} ${input.stackId}`)),
      ...input.contributed.map((layer) => asImageLayer(layer.blob, layer.createdBy)),
      asImageLayer(input.appLayer, `slipway build ${input.buildId}: app source and build output`),
    ],
  };
}
