// Which app images the registry may drop (pure): every manifest in an app repository that no
// release within the kept history uses. A repository whose app is gone keeps nothing; one
// whose app is building is left alone (its new image has no release yet).
import { imagesOf } from '../../common/release-images.js';
import type { Release } from '../../common/types.js';

export interface RepositoryContents {
  repository: string;
  /** Every manifest digest a tag of the repository points at. */
  digests: string[];
}

export interface AppHistory {
  repository: string;
  releases: readonly Pick<Release, 'version' | 'image' | 'processImages'>[];
  /** The release that runs now (kept even when older than the kept history). */
  currentVersion: number | null;
  building: boolean;
}

/** The image digests of the app's last `keep` releases and of its current release. */
export function keptDigests(history: AppHistory, keep: number): Set<string> {
  const newestFirst = [...history.releases].sort((a, b) => b.version - a.version);
  const kept = newestFirst.slice(0, keep);
  const current = newestFirst.find((release) => release.version === history.currentVersion);
  if (current) kept.push(current);
  return new Set(kept.flatMap((release) => imagesOf(release).map((image) => image.digest)));
}

export interface Collection {
  repository: string;
  digest: string;
}

/**
 * The manifests to delete. `prefix` is the apps' repository prefix: nothing outside it (the
 * stack, anyone else's images) is ever collected.
 */
export function imagesToCollect(repositories: readonly RepositoryContents[], apps: readonly AppHistory[], keep: number, prefix: string): Collection[] {
  const byRepository = new Map<string, AppHistory[]>();
  for (const app of apps) byRepository.set(app.repository, [...(byRepository.get(app.repository) ?? []), app]);
  const collect: Collection[] = [];
  for (const { repository, digests } of repositories) {
    if (!repository.startsWith(`${prefix}/`)) continue;
    const owners = byRepository.get(repository) ?? [];
    if (owners.some((app) => app.building)) continue;
    const kept = new Set(owners.flatMap((app) => [...keptDigests(app, keep)]));
    for (const digest of new Set(digests)) if (!kept.has(digest)) collect.push({ repository, digest });
  }
  return collect;
}
