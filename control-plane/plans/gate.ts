// Where plans meet the platform: each limit is checked where it is taken (app create, scale,
// push, run, domain add), from what the account uses now, by the pure rules in limits.ts.
import type { Redis } from 'ioredis';
import { InvalidParamsError, SlipwayError } from '../../common/errors.js';
import { type App, DEFAULT_DYNO_SIZE, type DynoSize, type FormationEntry } from '../../common/types.js';
import type { AppStore } from '../store/apps.js';
import type { BuildLeases } from '../store/build-leases.js';
import { keys } from '../store/keys.js';
import type { OneOffStore } from '../store/one-offs.js';
import { accountKey, type Account, type PlanAssignments } from './assignments.js';
import type { Plan, PlanCatalogue } from './catalogue.js';
import { buildMinutesRefusal, countRefusal, dynoCount, memoryMb, mergeFormation, scaleRefusal, sizeRefusal, type PlanRefusal } from './limits.js';

/** 402 in the API's one error shape: the plan, the limit and the use are in the message. */
export class PlanLimitError extends SlipwayError {
  override name = 'PlanLimitError';
  constructor(readonly refusal: PlanRefusal) {
    super('plan_limit', refusal.message, { status: 402 });
  }
}

export const accountOfApp = (app: Pick<App, 'ownerId' | 'teamId'>): Account => (app.teamId ? { kind: 'team', id: app.teamId } : { kind: 'user', id: app.ownerId });

/** `YYYY-MM` of a time, in UTC: build minutes count per calendar month. */
export const monthOf = (ms: number): string => new Date(ms).toISOString().slice(0, 7);

export interface Quotas {
  plan: Plan;
  used: {
    apps: number;
    dynosTotal: number;
    memoryMb: number;
    concurrentBuilds: number;
    buildMinutesThisMonth: number;
    customDomains: number;
    oneOffDynos: number;
  };
}

export interface PlanGateDeps {
  catalogue: PlanCatalogue;
  assignments: PlanAssignments;
  apps: AppStore;
  oneOffs: Pick<OneOffStore, 'list'>;
  leases: Pick<BuildLeases, 'live'>;
  redis: Redis;
  now?: () => number;
}

export class PlanGate {
  constructor(private readonly deps: PlanGateDeps) {}

  get catalogue(): PlanCatalogue {
    return this.deps.catalogue;
  }

  findPlan(name: string): Plan | null {
    return this.deps.catalogue.plans.find((p) => p.name === name) ?? null;
  }

  /** Puts the account on a plan of the catalogue (operators). */
  async assign(account: Account, name: string): Promise<Plan> {
    const plan = this.findPlan(name);
    if (!plan) throw new InvalidParamsError(`No plan is called ${name}: the plans are ${this.deps.catalogue.plans.map((p) => p.name).join(', ')}.`);
    await this.deps.assignments.set(account, plan.name);
    return plan;
  }

  /** Forgets a deleted account's plan. */
  async forget(account: Account): Promise<void> {
    await this.deps.assignments.forget(account);
  }

  /** The account's plan; one no longer in the catalogue (removed by the operator) falls back to the default. */
  async planOf(account: Account): Promise<Plan> {
    const name = await this.deps.assignments.get(account);
    return (name && this.findPlan(name)) || this.deps.catalogue.defaultPlan;
  }

  private async appsOf(account: Account): Promise<App[]> {
    return account.kind === 'team' ? this.deps.apps.ofTeam(account.id) : this.deps.apps.ownedBy(account.id);
  }

  private static refuse(refusal: PlanRefusal | null): void {
    if (refusal) throw new PlanLimitError(refusal);
  }

  /** Before an app is created for (or moved to) the account. */
  async admitApp(account: Account): Promise<void> {
    const plan = await this.planOf(account);
    if (plan.apps === null) return;
    const count = (await this.appsOf(account)).length;
    PlanGate.refuse(countRefusal(plan, 'apps', count, count + 1));
  }

  /** Before an app's formation becomes `changed` (the entries a scale sets). */
  async admitFormation(app: App, before: readonly FormationEntry[], changed: readonly FormationEntry[]): Promise<void> {
    const account = accountOfApp(app);
    const plan = await this.planOf(account);
    const others: FormationEntry[] = [];
    if (plan.dynosTotal !== null || plan.memoryMb !== null) {
      for (const other of await this.appsOf(account)) if (other.id !== app.id) others.push(...(await this.deps.apps.formation(other.id)));
    }
    PlanGate.refuse(scaleRefusal(plan, before, mergeFormation(before, changed), others));
  }

  /** The web dynos an app's first release starts with: Heroku's one, or none when the plan has no room for it. */
  async firstWebQuantity(app: App): Promise<number> {
    const before = await this.deps.apps.formation(app.id);
    if (before.some((f) => f.type === 'web')) return 1; // set already: the default is not used
    try {
      await this.admitFormation(app, before, [{ type: 'web', quantity: 1, size: DEFAULT_DYNO_SIZE }]);
      return 1;
    } catch (err) {
      if (err instanceof PlanLimitError) return 0;
      throw err;
    }
  }

  /** How long the app may go without a request before it sleeps (null: its plan never sleeps). */
  async sleepAfterIdleMs(app: App): Promise<number | null> {
    const minutes = (await this.planOf(accountOfApp(app))).sleepAfterIdleMinutes;
    return minutes === null ? null : Math.round(minutes * 60_000);
  }

  /** Before a one-off dyno of `size` starts. */
  async admitOneOff(app: App, size: DynoSize): Promise<void> {
    const plan = await this.planOf(accountOfApp(app));
    PlanGate.refuse(sizeRefusal(plan, size));
    if (plan.oneOffDynos === null) return;
    const running = await this.oneOffsOf(await this.appsOf(accountOfApp(app)));
    PlanGate.refuse(countRefusal(plan, 'oneOffDynos', running, running + 1));
  }

  /** Before a custom domain is added to the app. */
  async admitDomain(app: App): Promise<void> {
    const plan = await this.planOf(accountOfApp(app));
    if (plan.customDomains === null) return;
    const count = await this.domainsOf(await this.appsOf(accountOfApp(app)));
    PlanGate.refuse(countRefusal(plan, 'customDomains', count, count + 1));
  }

  /**
   * Once a build has joined the queue: whether the account may build it now (its other live
   * builds, and the month's build minutes). Counted after joining, so two pushes at once cannot
   * both slip under the limit (both may be refused instead: the safe side).
   */
  async buildRefusal(app: App, buildId: string): Promise<PlanRefusal | null> {
    const account = accountOfApp(app);
    const plan = await this.planOf(account);
    const spent = buildMinutesRefusal(plan, await this.buildSecondsThisMonth(account));
    if (spent || plan.concurrentBuilds === null) return spent;
    const others = await this.liveBuildsOf(await this.appsOf(account), buildId);
    return countRefusal(plan, 'concurrentBuilds', others, others + 1);
  }

  /** Counts a finished build's seconds against its account's month. */
  async recordBuild(app: App, seconds: number): Promise<void> {
    const key = keys.accountBuildSeconds(accountKey(accountOfApp(app)), monthOf(this.now()));
    // kept a little past the month, for the operator's look back
    await this.deps.redis.multi().incrbyfloat(key, seconds).expire(key, 62 * 24 * 3600).exec();
  }

  /** The oldest time the app's logs reach back to (ms since the epoch). */
  async logHistoryStartMs(app: App): Promise<number> {
    return this.now() - (await this.planOf(accountOfApp(app))).logRetentionHours * 3600_000;
  }

  /** The account's plan and what it uses of each limit. */
  async quotas(account: Account): Promise<Quotas> {
    const plan = await this.planOf(account);
    const apps = await this.appsOf(account);
    const formation = (await Promise.all(apps.map((a) => this.deps.apps.formation(a.id)))).flat();
    return {
      plan,
      used: {
        apps: apps.length,
        dynosTotal: dynoCount(formation),
        memoryMb: memoryMb(formation),
        concurrentBuilds: await this.liveBuildsOf(apps, null),
        buildMinutesThisMonth: Math.floor((await this.buildSecondsThisMonth(account)) / 60),
        customDomains: await this.domainsOf(apps),
        oneOffDynos: await this.oneOffsOf(apps),
      },
    };
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  private async buildSecondsThisMonth(account: Account): Promise<number> {
    return Number((await this.deps.redis.get(keys.accountBuildSeconds(accountKey(account), monthOf(this.now())))) ?? 0);
  }

  private async liveBuildsOf(apps: readonly App[], except: string | null): Promise<number> {
    const ids = new Set(apps.map((a) => a.id));
    return (await this.deps.leases.live()).filter((b) => ids.has(b.appId) && b.buildId !== except).length;
  }

  private async oneOffsOf(apps: readonly App[]): Promise<number> {
    let running = 0;
    for (const app of apps) running += (await this.deps.oneOffs.list(app.id)).length;
    return running;
  }

  private async domainsOf(apps: readonly App[]): Promise<number> {
    let count = 0;
    for (const app of apps) count += (await this.deps.apps.domains(app.id)).length;
    return count;
  }
}
