// Pure: an add-on's use against its plan, as addons:info and pg:info show it: the volume's size
// (Docker's local volumes take no size limit) and the plan's storage, which a PostgreSQL add-on's
// database size is held against (storage-limit.ts); Redis's memory is its own maxmemory.
import type { AddonService } from '../../common/addons.js';
import type { AddonServerInfo } from '../../common/protocol.js';
import type { AddonRecord } from '../store/addons.js';

export function planUsage(addon: Pick<AddonRecord, 'service' | 'plan'>, info: Pick<AddonServerInfo, 'storageBytes'>, catalogue: readonly AddonService[]): { storage_used_bytes: number | null; storage_limit_mb: number | null; max_connections: number | null } {
  const plan = catalogue.find((s) => s.name === addon.service)?.plans.find((p) => p.name === addon.plan);
  return { storage_used_bytes: info.storageBytes ?? null, storage_limit_mb: plan?.storageMb ?? null, max_connections: plan?.maxConnections ?? null };
}
