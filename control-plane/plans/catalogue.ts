// The operator's plans: what an account may take (apps, dynos, sizes, memory, builds, domains,
// one-off dynos, log retention, sleep). Read once from SLIPWAY_PLANS_FILE (YAML or JSON) and
// validated here; without a file one unlimited plan keeps a private platform as it was.
import { z } from 'zod';
import { parseSettingsFile } from '../../common/settings-file.js';
import { DYNO_SIZES, type DynoSize } from '../../common/types.js';
import { ADDON_SERVICES, type AddonService } from '../../common/addons.js';
import { addonCatalogue, addonPlansSection } from './addon-plans.js';

const SIZE_NAMES = Object.keys(DYNO_SIZES) as [DynoSize, ...DynoSize[]];
/** A count an account may reach; null (or absent): no limit. */
const limit = z.number().int().min(0).nullable().default(null);

const planSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]{0,29}$/, 'lowercase letters, digits and dashes, starting with a letter, at most 30'),
    /** what the provider shows beside it ("$7/month"): a label, never billed from here */
    price: z.string().max(100).default(''),
    apps: limit,
    dynos_per_app: limit,
    dynos_total: limit,
    sizes: z.array(z.enum(SIZE_NAMES)).min(1).default([...SIZE_NAMES]),
    memory_mb: limit,
    concurrent_builds: limit,
    build_minutes_per_month: limit,
    custom_domains: limit,
    one_off_dynos: limit,
    /** how far back `logs` reaches for the account's apps */
    log_retention_hours: z.number().int().min(1).max(24 * 30).default(24),
    /** web dynos scale to zero after this many idle minutes and wake on a request; null: never */
    // fractions too (0.5: half a minute), for an operator's tests
    sleep_after_idle_minutes: z.number().positive().nullable().default(null),
  })
  .strict();

const fileSchema = z
  .object({
    /** the plan of accounts (and teams) given none */
    default: z.string(),
    plans: z.array(planSchema).min(1),
    /** the add-on services' plans (addon-plans.ts); a service left out keeps the built-in ones */
    addons: addonPlansSection.optional(),
  })
  .strict()
  .superRefine((file, ctx) => {
    const names = file.plans.map((p) => p.name);
    const twice = names.find((name, i) => names.indexOf(name) !== i);
    if (twice) ctx.addIssue({ code: 'custom', path: ['plans'], message: `plan ${twice} is defined twice` });
    if (!names.includes(file.default)) ctx.addIssue({ code: 'custom', path: ['default'], message: `names no plan (plans: ${names.join(', ')})` });
  });

export type PlanDefinition = z.output<typeof planSchema>;

export interface Plan {
  name: string;
  price: string;
  apps: number | null;
  dynosPerApp: number | null;
  dynosTotal: number | null;
  sizes: readonly DynoSize[];
  memoryMb: number | null;
  concurrentBuilds: number | null;
  buildMinutesPerMonth: number | null;
  customDomains: number | null;
  oneOffDynos: number | null;
  logRetentionHours: number;
  sleepAfterIdleMinutes: number | null;
}

export interface PlanCatalogue {
  plans: readonly Plan[];
  defaultPlan: Plan;
  /** the add-on services with the provider's plans */
  addonServices: readonly AddonService[];
}

function planOf(p: PlanDefinition): Plan {
  return {
    name: p.name,
    price: p.price,
    apps: p.apps,
    dynosPerApp: p.dynos_per_app,
    dynosTotal: p.dynos_total,
    sizes: p.sizes,
    memoryMb: p.memory_mb,
    concurrentBuilds: p.concurrent_builds,
    buildMinutesPerMonth: p.build_minutes_per_month,
    customDomains: p.custom_domains,
    oneOffDynos: p.one_off_dynos,
    logRetentionHours: p.log_retention_hours,
    sleepAfterIdleMinutes: p.sleep_after_idle_minutes,
  };
}

/** Without a plans file: one plan with no limits, a day of logs (the platform before plans). */
export const UNLIMITED_CATALOGUE: PlanCatalogue = (() => {
  const plan = planOf(planSchema.parse({ name: 'default' }));
  return { plans: [plan], defaultPlan: plan, addonServices: ADDON_SERVICES };
})();

/** Pure: the catalogue in a plans file's text (YAML, of which JSON is a part), or a ConfigError
 *  naming the file and the bad field. */
export function parsePlanCatalogue(text: string, source: string): PlanCatalogue {
  const file = parseSettingsFile(fileSchema, text, source);
  const plans = file.plans.map(planOf);
  return { plans, defaultPlan: plans.find((p) => p.name === file.default)!, addonServices: addonCatalogue(file.addons) };
}

/** The longest log retention of any plan: what the log store must keep. */
export function longestLogRetentionHours(catalogue: PlanCatalogue): number {
  return Math.max(...catalogue.plans.map((p) => p.logRetentionHours));
}
