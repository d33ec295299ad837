// Which image runs which process type of a release. A build gives every type one image; a
// container release (Heroku's `docker push <registry>/<app>/<type>` then release) gives each
// released type its own, and the types it does not name keep the image they ran before.
import type { ImageRef, Release } from './types.js';

type ReleaseImages = Pick<Release, 'image' | 'processImages'>;

/** The image process `type` of `release` runs (null: the release has no code). */
export function imageOf(release: ReleaseImages, type: string): ImageRef | null {
  return release.processImages?.[type] ?? release.image;
}

/** Every distinct image the release uses, its main one first. */
export function imagesOf(release: ReleaseImages): ImageRef[] {
  const all = [...(release.image ? [release.image] : []), ...Object.values(release.processImages ?? {})];
  return all.filter((image, i) => all.findIndex((other) => sameImage(other, image)) === i);
}

export function sameImage(a: ImageRef, b: ImageRef): boolean {
  return a.repository === b.repository && a.digest === b.digest;
}

export interface ReleasedImage {
  image: ImageRef;
  command: string;
}

/**
 * The code of a container release: the current release's process types, with those in
 * `released` replaced by their pushed image and its command. The main image is web's (else the
 * first type's); `processImages` holds the types that run another one.
 */
export function containerReleaseCode(
  current: Pick<Release, 'image' | 'processImages' | 'processTypes'> | null,
  released: Record<string, ReleasedImage>,
): Pick<Release, 'image' | 'processTypes'> & { processImages: Record<string, ImageRef> } {
  const processTypes = { ...(current?.processTypes ?? {}) };
  const byType: Record<string, ImageRef> = {};
  for (const type of Object.keys(processTypes)) {
    const image = current ? imageOf(current, type) : null;
    if (image) byType[type] = image;
  }
  for (const [type, { image, command }] of Object.entries(released)) {
    processTypes[type] = command;
    byType[type] = image;
  }
  const types = Object.keys(byType).sort();
  const main = byType.web ?? byType[types[0]!]!;
  const processImages = Object.fromEntries(types.filter((type) => !sameImage(byType[type]!, main)).map((type) => [type, byType[type]!]));
  return { image: main, processTypes: Object.fromEntries(Object.entries(processTypes).filter(([type]) => byType[type])), processImages };
}
