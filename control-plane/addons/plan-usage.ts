// Pure: an add-on's use against its plan, as addons:info and pg:info show it. Storage is measured
// (the volume's size) and reported, not enforced: Docker's local volumes take no size limit.
import type { AddonService } from '../../common/addons.js';
import type { AddonServerInfo } from '../../common/protocol.js';
import type { AddonRecord } from '../store/addons.js';

export function planUsage(addon: Pick<AddonRecord, 'service' | 'plan'>, info: Pick<AddonServerInfo, 'storageBytes'>, catalogue: readonly AddonService[]): { storage_used_bytes: number | null; storage_limit_mb: number | null; max_connections: number | null } {
  const plan = catalogue.find((s) => s.name === addon.service)?.plans.find((p) => p.name === addon.plan);
  return { storage_used_bytes: info.storageBytes ?? null, storage_limit_mb: plan?.storageMb ?? null, max_connections: plan?.maxConnections ?? null };
}
