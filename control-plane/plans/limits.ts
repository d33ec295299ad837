// Pure decisions: may an account take more of what its plan limits? Each answer is null (yes)
// or a refusal that names the limit, what the account uses, what the plan allows, and the plan.
import { DYNO_SIZES, type DynoSize, type FormationEntry } from '../../common/types.js';
import type { Plan } from './catalogue.js';

export type CountedLimit = 'apps' | 'dynosPerApp' | 'dynosTotal' | 'memoryMb' | 'concurrentBuilds' | 'buildMinutesPerMonth' | 'customDomains' | 'oneOffDynos';

export interface PlanRefusal {
  limit: CountedLimit | 'sizes';
  plan: string;
  message: string;
}

const WORDS: Record<CountedLimit, { what: string; unit: (n: number) => string }> = {
  apps: { what: 'apps', unit: (n) => `${n} app${n === 1 ? '' : 's'}` },
  dynosPerApp: { what: 'dynos per app', unit: (n) => `${n} dyno${n === 1 ? '' : 's'} per app` },
  dynosTotal: { what: 'dynos in total', unit: (n) => `${n} dyno${n === 1 ? '' : 's'} in total` },
  memoryMb: { what: 'dyno memory in total', unit: (n) => `${n} MB of dyno memory in total` },
  concurrentBuilds: { what: 'concurrent builds', unit: (n) => `${n} build${n === 1 ? '' : 's'} at a time` },
  buildMinutesPerMonth: { what: 'build minutes this month', unit: (n) => `${n} build minute${n === 1 ? '' : 's'} a month` },
  customDomains: { what: 'custom domains', unit: (n) => `${n} custom domain${n === 1 ? '' : 's'}` },
  oneOffDynos: { what: 'one-off dynos at a time', unit: (n) => `${n} one-off dyno${n === 1 ? '' : 's'} at a time` },
};

/** Whether `after` (what the account would use) stays within the plan's `limit`. */
export function countRefusal(plan: Plan, limit: CountedLimit, used: number, after: number): PlanRefusal | null {
  const allowed = plan[limit];
  if (allowed === null || after <= allowed || after <= used) return null; // never refuse what lowers use
  const words = WORDS[limit];
  return {
    limit,
    plan: plan.name,
    message: `The ${plan.name} plan allows ${words.unit(allowed)}; this would make ${after} (${words.what} now: ${used}). Upgrade the plan or free some up.`,
  };
}

export function sizeRefusal(plan: Plan, size: DynoSize): PlanRefusal | null {
  if (plan.sizes.includes(size)) return null;
  return { limit: 'sizes', plan: plan.name, message: `The ${plan.name} plan does not offer ${size} dynos (it offers ${plan.sizes.join(', ')}).` };
}

export function dynoCount(formation: readonly FormationEntry[]): number {
  return formation.reduce((sum, f) => sum + f.quantity, 0);
}

export function memoryMb(formation: readonly FormationEntry[]): number {
  return formation.reduce((sum, f) => sum + f.quantity * DYNO_SIZES[f.size].memoryMb, 0);
}

/** The app's whole formation once `changed` entries replace theirs. */
export function mergeFormation(current: readonly FormationEntry[], changed: readonly FormationEntry[]): FormationEntry[] {
  const byType = new Map(current.map((f) => [f.type, f]));
  for (const entry of changed) byType.set(entry.type, entry);
  return [...byType.values()];
}

/**
 * Scaling one app of an account: its dynos, the account's dynos and memory, and the sizes asked
 * for (of the entries that run). `others` is the formation of the account's other apps.
 */
export function scaleRefusal(plan: Plan, before: readonly FormationEntry[], after: readonly FormationEntry[], others: readonly FormationEntry[]): PlanRefusal | null {
  for (const entry of after) {
    const was = before.find((f) => f.type === entry.type);
    const sizeChanged = !was || was.size !== entry.size;
    if (entry.quantity > 0 && (sizeChanged || entry.quantity > (was?.quantity ?? 0))) {
      const refusal = sizeRefusal(plan, entry.size);
      if (refusal) return refusal;
    }
  }
  return (
    countRefusal(plan, 'dynosPerApp', dynoCount(before), dynoCount(after)) ??
    countRefusal(plan, 'dynosTotal', dynoCount(before) + dynoCount(others), dynoCount(after) + dynoCount(others)) ??
    countRefusal(plan, 'memoryMb', memoryMb(before) + memoryMb(others), memoryMb(after) + memoryMb(others))
  );
}

/** A new build when the month's build minutes are spent (a build's length is known only after). */
export function buildMinutesRefusal(plan: Plan, usedSeconds: number): PlanRefusal | null {
  const allowed = plan.buildMinutesPerMonth;
  if (allowed === null || usedSeconds < allowed * 60) return null;
  const used = Math.floor(usedSeconds / 60);
  return {
    limit: 'buildMinutesPerMonth',
    plan: plan.name,
    message: `The ${plan.name} plan allows ${WORDS.buildMinutesPerMonth.unit(allowed)}; ${used} are used this month. Builds start again next month, or upgrade the plan.`,
  };
}
