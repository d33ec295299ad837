// The provider's add-on plans: an optional `addons:` section of the operator's plans file
// (SLIPWAY_PLANS_FILE), per service a list of plans with their sizes and limits, validated here.
// A service the file leaves out keeps its built-in plans (common/addons.ts); so does a platform
// without a plans file.
import { z } from 'zod';
import { ADDON_SERVICES, type AddonPlan, type AddonService, type AddonServiceName } from '../../common/addons.js';
import { STACKS } from '../stacks.js';

const stackNames = STACKS.map((stack) => stack.name);

const addonPlanSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]{0,29}$/, 'lowercase letters, digits and dashes, starting with a letter, at most 30'),
    description: z.string().max(200).optional(),
    memory_mb: z.number().int().min(32).max(1024 * 1024),
    cpus: z.number().positive().max(256),
    /** PostgreSQL's max_connections, Redis's maxclients */
    max_connections: z.number().int().min(1).max(100_000),
    /** the data the plan holds: measured and reported against in addons:info and pg:info */
    storage_mb: z.number().int().min(1),
    /** backups kept (pg:backups) */
    backup_retention: z.number().int().min(0).max(1000).default(0),
    /** Redis's maxmemory; default three quarters of memory_mb */
    maxmemory_mb: z.number().int().min(8).optional(),
    /** a label, cents per month (Heroku's shape); never billed from here */
    price_cents: z.number().int().min(0).default(0),
    default: z.boolean().default(false),
    /** PostgreSQL's major version (Debian's postgresql-<version> on the plan's stack); PostgreSQL only */
    version: z.string().regex(/^[1-9][0-9]?$/, 'a PostgreSQL major version, like "15"').optional(),
    /** the stack (Debian release) the server is built on; default: the operator's default stack */
    stack: z.string().refine((name) => stackNames.includes(name), { message: `one of the platform's stacks: ${stackNames.join(', ')}` }).optional(),
  })
  .strict()
  .refine((plan) => plan.maxmemory_mb === undefined || plan.maxmemory_mb < plan.memory_mb, { message: 'maxmemory_mb must be below memory_mb', path: ['maxmemory_mb'] });

const servicePlans = (service: AddonServiceName) =>
  z
  .array(addonPlanSchema)
  .min(1)
  .superRefine((plans, ctx) => {
    const names = plans.map((p) => p.name);
    const twice = names.find((name, i) => names.indexOf(name) !== i);
    if (twice) ctx.addIssue({ code: 'custom', message: `plan ${twice} is defined twice` });
    const defaults = plans.filter((p) => p.default).length;
    if (defaults !== 1) ctx.addIssue({ code: 'custom', message: `exactly one plan is the default (default: true), not ${defaults}` });
    // Debian has one redis-server per release: a Redis plan chooses only its stack
    plans.forEach((plan, i) => {
      if (service !== 'postgresql' && plan.version !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'version'], message: `only PostgreSQL plans name a version; ${service} has one per stack (choose its stack)` });
    });
  });

export const addonPlansSection = z.object({ postgresql: servicePlans('postgresql').optional(), redis: servicePlans('redis').optional() }).strict();
export type AddonPlansSection = z.output<typeof addonPlansSection>;

/** Pure: the add-on catalogue: the file's plans for the services it names, the built-ins for the rest. */
export function addonCatalogue(section: AddonPlansSection | undefined): readonly AddonService[] {
  if (!section) return ADDON_SERVICES;
  return ADDON_SERVICES.map((service) => {
    const defined = section[service.name];
    return defined ? { ...service, plans: defined.map((plan) => addonPlanOf(service.name, plan)) } : service;
  });
}

function addonPlanOf(service: AddonServiceName, plan: z.output<typeof addonPlanSchema>): AddonPlan {
  return {
    name: `${service}:${plan.name}`,
    short: plan.name,
    description: plan.description ?? `${service === 'postgresql' ? 'PostgreSQL' : 'Redis'}, ${plan.memory_mb} MB of memory, ${plan.storage_mb} MB of data`,
    memoryMb: plan.memory_mb,
    cpus: plan.cpus,
    priceCents: plan.price_cents,
    default: plan.default,
    maxConnections: plan.max_connections,
    storageMb: plan.storage_mb,
    backupRetention: plan.backup_retention,
    maxMemoryMb: plan.maxmemory_mb ?? null,
    ...(plan.version !== undefined ? { version: plan.version } : {}),
    ...(plan.stack !== undefined ? { stack: plan.stack } : {}),
  };
}

/** Pure: what the server's plan sets in its environment (read by common/addons.ts's scripts). */
export function planServerSettings(plan: Pick<AddonPlan, 'maxConnections' | 'maxMemoryMb'>): Record<string, string> {
  return { ADDON_MAX_CONNECTIONS: String(plan.maxConnections), ...(plan.maxMemoryMb !== null ? { ADDON_MAXMEMORY: `${plan.maxMemoryMb}mb` } : {}) };
}
