// Builds whose control plane died mid-build: their lease ran out (or, at start-up, they were
// this control plane's own before it restarted). Each is marked failed, its containers removed
// and its app's build lock cleared, so the next push builds.
import type { Logger } from '../../common/logger.js';
import type { BuildLeases } from '../store/build-leases.js';
import type { BuildStore } from '../store/builds.js';
import type { Builder } from './builder.js';

export const ORPHAN_FAILURE = 'The control plane stopped during the build; push again.';

export interface OrphanDeps {
  leases: BuildLeases;
  builds: BuildStore;
  builder: Builder;
  logger: Logger;
}

/** Cleans up orphaned builds: those with an expired lease, and `owner`'s if given. */
export async function reclaimOrphanBuilds(deps: OrphanDeps, owner: string | null): Promise<number> {
  const orphans = await deps.leases.orphans(owner);
  for (const { buildId, holder } of orphans) {
    const build = await deps.builds.get(buildId);
    if (build?.status === 'pending') await deps.builds.update(build, { status: 'failed', failure: ORPHAN_FAILURE });
    await deps.builder.removeBuildLeftovers?.(buildId);
    await deps.leases.release(buildId, holder.appId, holder.lockToken);
    deps.logger.warn({ build: buildId, app: holder.appId }, 'build orphaned by a control plane that stopped: marked failed, lock cleared');
  }
  return orphans.length;
}
