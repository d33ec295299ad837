// Images users pushed themselves (`docker push <registry>/<app>/<type>`), found for a release
// as Heroku's container release names them: by the image id (`docker inspect`'s Id, the config
// digest) of the repository's `latest`, or by the manifest digest. The release runs the image's
// own command (ENTRYPOINT then CMD) as the process type.
import { InvalidParamsError } from '../../common/errors.js';
import { isDigest } from '../../common/image-reference.js';
import { processTypeProblem } from '../../common/names.js';
import type { ImageRef } from '../../common/types.js';
import { imageCommand } from '../../buildpacks/dockerfile/plan.js';
import type { RegistryClient } from '../../buildpacks/oci/registry.js';
import { RegistryError } from '../../buildpacks/errors.js';

export interface PushedImage {
  image: ImageRef;
  /** The image's own command (ENTRYPOINT then CMD) as one shell command, or null when it has none. */
  command: string | null;
}

type RegistryReader = Pick<RegistryClient, 'getManifest' | 'getBlob' | 'registry'>;

const SINGLE_IMAGE_MEDIA_TYPES = new Set(['application/vnd.docker.distribution.manifest.v2+json', 'application/vnd.oci.image.manifest.v1+json']);

/** Pure: the repository `docker push <registry>/<app>/<type>` writes to. */
export const pushedRepository = (appName: string, type: string): string => `${appName}/${type}`;

/** Pure: whether `repository` is one of the app's pushed repositories (`<app>/<process type>`). */
export function isPushedRepositoryOf(repository: string, appName: string): boolean {
  return repository.startsWith(`${appName}/`) && processTypeProblem(repository.slice(appName.length + 1)) === null;
}

/**
 * Deletes every image pushed to the app's repositories (the app is being deleted: its name,
 * and so its repositories, may go to another user next). Returns how many manifests went.
 */
export async function removePushedImages(registry: Pick<RegistryClient, 'listRepositories' | 'listTags' | 'manifestDigest' | 'deleteManifest'>, appName: string): Promise<number> {
  let removed = 0;
  for (const repository of (await registry.listRepositories()).filter((r) => isPushedRepositoryOf(r, appName))) {
    const digests = new Set<string>();
    for (const tag of await registry.listTags(repository)) {
      const digest = await registry.manifestDigest(repository, tag);
      if (digest) digests.add(digest);
    }
    for (const digest of digests) if (await registry.deleteManifest(repository, digest)) removed++;
  }
  return removed;
}

type RegistryCopier = Pick<RegistryClient, 'listRepositories' | 'listTags' | 'manifestDigest' | 'getManifest' | 'mountBlob' | 'getBlob' | 'uploadBlob' | 'putManifest'>;

/**
 * Copies every image pushed under `oldName` (`<old>/<type>`, each tag) to `<new>/<type>`, the
 * blobs mounted across repositories (no bytes sent when the registry allows it) and the
 * manifests stored byte for byte, so digests stay. Returns the repositories it filled, old → new.
 * The old images stay until removePushedImages: releases still name them until rewritten.
 */
export async function copyPushedImages(registry: RegistryCopier, oldName: string, newName: string): Promise<Map<string, string>> {
  const moved = new Map<string, string>();
  for (const from of (await registry.listRepositories()).filter((r) => isPushedRepositoryOf(r, oldName))) {
    const to = pushedRepository(newName, from.slice(oldName.length + 1));
    // Tags share manifests (latest, v3, v4 on one push) and manifests share layers: each is read and copied once.
    const manifests = new Map<string, Buffer>();
    const copiedBlobs = new Set<string>();
    for (const tag of await registry.listTags(from)) {
      const digest = await registry.manifestDigest(from, tag);
      if (!digest) continue;
      let body = manifests.get(digest);
      if (!body) {
        body = (await registry.getManifest(from, digest)).body;
        manifests.set(digest, body);
        const parsed = JSON.parse(body.toString('utf8')) as ManifestFields & { layers?: { digest?: string }[] };
        const blobs = [parsed.config?.digest, ...(parsed.layers ?? []).map((layer) => layer.digest)].filter((d): d is string => typeof d === 'string');
        for (const blob of blobs.filter((b) => !copiedBlobs.has(b))) {
          if (!(await registry.mountBlob(to, blob, from))) {
            const bytes = await registry.getBlob(from, blob);
            if (!bytes) throw new Error(`${from} lacks the blob ${blob} of ${digest}`);
            await registry.uploadBlob(to, blob, bytes);
          }
          copiedBlobs.add(blob);
        }
      }
      await registry.putManifest(to, tag, body);
    }
    moved.set(from, to);
  }
  return moved;
}

/** A manifest of `repository`, or null when the registry has none under `reference`. */
async function manifestOrNull(registry: RegistryReader, repository: string, reference: string) {
  try {
    return await registry.getManifest(repository, reference);
  } catch (err) {
    // distribution answers 500 for the digest of a blob that is no manifest (an image's config).
    if (err instanceof RegistryError && (err.httpStatus === 404 || (err.httpStatus === 500 && reference.startsWith('sha256:')))) return null;
    throw err;
  }
}

interface ManifestFields {
  mediaType?: string;
  config?: { digest?: string };
}

/** The pushed image `dockerImage` (an image id or a manifest digest) of `<app>/<type>`. */
export async function findPushedImage(registry: RegistryReader, appName: string, type: string, dockerImage: string): Promise<PushedImage> {
  if (!isDigest(dockerImage)) throw new InvalidParamsError('docker_image must be an image id or digest (sha256:<64 hex digits>).');
  const repository = pushedRepository(appName, type);
  const notPushed = () => new InvalidParamsError(`Couldn't find the image ${dockerImage} in ${registry.registry}/${repository}: docker push it there first.`);
  // The latest push, named by its image id (its config's digest) or its digest; else an earlier push by digest.
  let manifest = await manifestOrNull(registry, repository, 'latest');
  let parsed = manifest ? (JSON.parse(manifest.body.toString('utf8')) as ManifestFields) : null;
  if (!manifest || (manifest.digest !== dockerImage && parsed?.config?.digest !== dockerImage)) {
    manifest = await manifestOrNull(registry, repository, dockerImage);
    if (!manifest) throw notPushed();
    parsed = JSON.parse(manifest.body.toString('utf8')) as ManifestFields;
  }
  const mediaType = parsed?.mediaType ?? manifest.mediaType;
  if (!SINGLE_IMAGE_MEDIA_TYPES.has(mediaType) || !parsed?.config?.digest) {
    throw new InvalidParamsError(`${registry.registry}/${repository}@${manifest.digest} is not a single-platform image (${mediaType}): push one built for linux/amd64.`);
  }
  const config = await registry.getBlob(repository, parsed.config.digest);
  if (!config) throw notPushed();
  const { config: run } = JSON.parse(config.toString('utf8')) as { config?: { Entrypoint?: string[] | null; Cmd?: string[] | null } };
  return { image: { repository, digest: manifest.digest }, command: imageCommand(run ?? {}) };
}
