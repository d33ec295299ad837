// Heroku's add-on, add-on attachment, add-on service and plan shapes (common/api-shapes.ts).
// Ids of services and plans are name-based UUIDs: the same on every control plane.
import type { AddonAvailability } from '../hosts/addon-holdings.js';
import { ADDON_SERVICES, type AddonPlan, type AddonService } from '../../common/addons.js';
import type { AddonAttachmentJson, AddonJson, AddonPlanJson, AddonServiceJson } from '../../common/api-shapes.js';
import { nameUuid } from '../../common/name-uuid.js';
import type { App } from '../../common/types.js';
import type { AddonAttachmentRecord, AddonRecord } from '../store/addons.js';
import { partnerPlan, type PartnerManifest, type PartnerPlan } from '../partner-addons/manifest.js';
import { attachmentConfigVarNames } from '../partner-addons/partner-calls.js';

/** When the catalogue was written: its services' and plans' created_at. */
const CATALOGUE_DATE = '2026-12-05T00:00:00Z';

const serviceRef = (name: string) => ({ id: nameUuid(`addon-service:${name}`), name });
const planRef = (name: string) => ({ id: nameUuid(`addon-plan:${name}`), name });
const appRef = (app: Pick<App, 'id' | 'name'>) => ({ id: app.id, name: app.name });

export function addonServiceJson(service: AddonService, platformName: string): AddonServiceJson {
  return {
    ...serviceRef(service.name),
    human_name: `${platformName} ${service.humanName}`,
    cli_plugin_name: null,
    state: 'ga',
    supports_multiple_installations: true,
    supports_sharing: true,
    created_at: CATALOGUE_DATE,
    updated_at: CATALOGUE_DATE,
  };
}

/** The fields of Heroku's plan shape that are the same for every plan offered here. */
const PLAN_FIXED = {
  state: 'public',
  visible: true,
  compliance: null,
  installable_inside_private_network: false,
  installable_outside_private_network: true,
  space_default: false,
} as const;

/** A registered third-party service, as Heroku lists add-on services. */
export function partnerServiceJson(manifest: PartnerManifest, registeredAt: string): AddonServiceJson {
  return {
    ...serviceRef(manifest.id),
    human_name: manifest.name,
    cli_plugin_name: null,
    state: 'ga',
    supports_multiple_installations: true,
    supports_sharing: true,
    created_at: registeredAt,
    updated_at: registeredAt,
  };
}

/** One plan of a third-party service: its price label; the partner sizes it. */
export function partnerPlanJson(manifest: PartnerManifest, plan: PartnerPlan, registeredAt: string): AddonPlanJson {
  return {
    ...planRef(`${manifest.id}:${plan.name}`),
    human_name: plan.name[0]!.toUpperCase() + plan.name.slice(1),
    description: plan.description ?? `${manifest.name} ${plan.name}`,
    addon_service: serviceRef(manifest.id),
    default: plan === partnerPlan(manifest, undefined),
    price: { cents: plan.price_cents, contract: false, unit: 'month' },
    ...PLAN_FIXED,
    created_at: registeredAt,
    updated_at: registeredAt,
  };
}

export function addonPlanJson(service: AddonService, plan: AddonPlan): AddonPlanJson {
  return {
    ...planRef(plan.name),
    human_name: plan.short[0]!.toUpperCase() + plan.short.slice(1),
    description: plan.description,
    addon_service: serviceRef(service.name),
    default: plan.default,
    price: { cents: plan.priceCents, contract: false, unit: 'month' },
    ...PLAN_FIXED,
    memory_mb: plan.memoryMb,
    cpus: plan.cpus,
    max_connections: plan.maxConnections,
    storage_mb: plan.storageMb,
    backup_retention: plan.backupRetention,
    ...(plan.version !== undefined ? { version: plan.version } : {}),
    ...(plan.stack !== undefined ? { stack: plan.stack } : {}),
    created_at: CATALOGUE_DATE,
    updated_at: CATALOGUE_DATE,
  };
}

/** A service by name or id (its name-based UUID). */
export function findAddonService(ref: string, services: readonly AddonService[] = ADDON_SERVICES): AddonService | null {
  return services.find((s) => s.name === ref || serviceRef(s.name).id === ref || (ref === `heroku-${s.name}`)) ?? null;
}

export function findAddonPlan(service: AddonService, ref: string): AddonPlan | null {
  return service.plans.find((p) => p.name === ref || p.short === ref || planRef(p.name).id === ref) ?? null;
}

/** A PostgreSQL add-on's write access against its plan's storage (addons/storage-enforcement.ts);
 *  granted until a check says otherwise. */
export function writeAccessJson(addon: Pick<AddonRecord, 'service' | 'partner' | 'storage'>): { write_access: 'granted' | 'revoked' | null; write_access_changed_at: string | null } {
  if (addon.service !== 'postgresql' || addon.partner) return { write_access: null, write_access_changed_at: null };
  return { write_access: addon.storage?.writeAccess ?? 'granted', write_access_changed_at: addon.storage?.changedAt ?? null };
}

/** `availability`: whether its host can be reached (hosts/addon-holdings.ts); available if not told. */
export function addonJson(addon: AddonRecord, owner: Pick<App, 'id' | 'name'>, ownerAttachments: readonly AddonAttachmentRecord[], availability: AddonAvailability = { available: true }, catalogue: readonly AddonService[] = ADDON_SERVICES): AddonJson {
  const price = addon.partner?.priceCents ?? catalogue.find((s) => s.name === addon.service)?.plans.find((p) => p.name === addon.plan)?.priceCents ?? 0;
  const partner = addon.partner;
  const partnerVars = partner ? Object.fromEntries(partner.configVars.map((name) => [name, ''])) : {};
  const varsOf = (a: AddonAttachmentRecord) => (partner ? attachmentConfigVarNames(partner.configVarPrefix, a.name, partnerVars) : [`${a.name}_URL`]);
  return {
    id: addon.id,
    name: addon.name,
    addon_service: serviceRef(addon.service),
    plan: { ...planRef(addon.plan), price: { cents: price, contract: false, unit: 'month' } },
    app: appRef(owner),
    config_vars: ownerAttachments.filter((a) => a.addonId === addon.id).flatMap(varsOf),
    state: addon.state,
    availability: availability.available ? 'available' : 'unavailable',
    unavailable_reason: availability.available ? null : availability.reason,
    ...writeAccessJson(addon),
    billed_price: { cents: price, contract: false, unit: 'month' },
    actions: [],
    provider_id: addon.id,
    web_url: null,
    created_at: addon.createdAt,
    updated_at: addon.updatedAt,
  };
}

export function addonAttachmentJson(attachment: AddonAttachmentRecord, addon: AddonRecord, owner: Pick<App, 'id' | 'name'>, app: Pick<App, 'id' | 'name'>): AddonAttachmentJson {
  return {
    id: attachment.id,
    name: attachment.name,
    addon: { id: addon.id, name: addon.name, app: appRef(owner) },
    app: appRef(app),
    namespace: null,
    web_url: null,
    log_input_url: null,
    created_at: attachment.createdAt,
    updated_at: attachment.createdAt,
  };
}
