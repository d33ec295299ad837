// The registry's app images, collected: the leader periodically deletes, through the registry
// API, the manifests no release within the kept history uses (plan.ts decides). Their layers
// are freed by the registry's own garbage collection (the supervisor runs it for Slipway's
// registry: docs/decisions.md, "Builds and images").
import type { Logger } from '../../common/logger.js';
import { imagesOf } from '../../common/release-images.js';
import type { AppStore } from '../store/apps.js';
import type { BuildLeases } from '../store/build-leases.js';
import type { ReleaseStore } from '../store/releases.js';
import { imagesToCollect, type AppHistory, type Collection, type RepositoryContents } from './plan.js';

/** The registry operations collection needs (buildpacks' RegistryClient has them). */
export interface CollectableRegistry {
  listRepositories(): Promise<string[]>;
  listTags(repository: string): Promise<string[]>;
  manifestDigest(repository: string, tag: string): Promise<string | null>;
  deleteManifest(repository: string, digest: string): Promise<boolean>;
}

export interface ImageCollectorDeps {
  apps: AppStore;
  releases: ReleaseStore;
  /** who holds an app's build lock (an app mid-build is skipped) */
  leases: Pick<BuildLeases, 'building'>;
  registry: CollectableRegistry;
  /** Releases per app whose images stay (rollback reaches that far back). */
  keepReleases: number;
  /** The apps' repository prefix (`apps`): only repositories under it are touched. */
  repositoryPrefix: string;
  appRepository: (appName: string) => string;
  logger: Logger;
}

export class ImageCollector {
  constructor(private readonly deps: ImageCollectorDeps) {}

  /** One pass; returns what it deleted. */
  async collect(): Promise<Collection[]> {
    const { deps } = this;
    // The registry first, Redis second: an image pushed before the listing belongs to a build
    // that either still holds its app's lock (the app is skipped) or has made its release.
    const repositories: RepositoryContents[] = [];
    for (const repository of await deps.registry.listRepositories()) {
      if (!repository.startsWith(`${deps.repositoryPrefix}/`)) continue;
      const digests: string[] = [];
      for (const tag of await deps.registry.listTags(repository)) {
        const digest = await deps.registry.manifestDigest(repository, tag);
        if (digest) digests.push(digest);
      }
      repositories.push({ repository, digests });
    }
    const histories: AppHistory[] = [];
    for (const app of await deps.apps.list()) {
      const building = await deps.leases.building(app.id);
      const [releases, current] = await Promise.all([deps.releases.list(app.id), deps.releases.current(app.id)]);
      // Its releases' images stay where they were pushed, under the names the app had then
      // (apps:rename): each of those repositories keeps what the app's releases use.
      const repositories = new Set([deps.appRepository(app.name), ...releases.flatMap((release) => imagesOf(release).map((image) => image.repository))]);
      for (const repository of repositories) histories.push({ repository, releases, currentVersion: current?.version ?? null, building });
    }
    const collected: Collection[] = [];
    for (const image of imagesToCollect(repositories, histories, deps.keepReleases, deps.repositoryPrefix)) {
      try {
        if (await deps.registry.deleteManifest(image.repository, image.digest)) collected.push(image);
      } catch (err) {
        deps.logger.warn({ err, ...image }, 'could not delete an unused image');
      }
    }
    if (collected.length > 0) deps.logger.info({ images: collected.length, repositories: new Set(collected.map((c) => c.repository)).size }, 'unused app images deleted from the registry');
    return collected;
  }
}

/** Runs a pass every `intervalMs` while this control plane leads; returns the stopper. */
export function scheduleImageCollection(collector: ImageCollector, options: { intervalMs: number; isLeader: () => boolean; logger: Logger }): () => void {
  let running = false;
  const pass = async () => {
    if (running || !options.isLeader()) return;
    running = true;
    try {
      await collector.collect();
    } catch (err) {
      options.logger.warn({ err }, 'image collection pass failed');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void pass(), options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
