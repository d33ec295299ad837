// plans, quotas, plans:set: the provider's plans, what an account uses of its plan, and
// operators moving users and teams between plans.
import type { Command } from 'commander';
import { apiPath } from '../api-client.js';
import type { PlanJson, QuotasJson } from '../../common/api-shapes.js';
import { jsonOption, type CommandContext, type JsonOption } from '../context.js';
import { formatTable } from '../format.js';
import { UsageError } from '../errors.js';

const shown = (limit: number | null, unit = '') => (limit === null ? 'unlimited' : `${limit}${unit}`);

export function plansTable(plans: readonly PlanJson[]): string[] {
  return formatTable(plans, [
    { header: 'PLAN', value: (p) => `${p.name}${p.default ? ' (default)' : ''}` },
    { header: 'PRICE', value: (p) => p.price },
    { header: 'APPS', value: (p) => shown(p.limits.apps) },
    { header: 'DYNOS', value: (p) => `${shown(p.limits.dynos_total)} (${shown(p.limits.dynos_per_app)}/app)` },
    { header: 'SIZES', value: (p) => p.limits.sizes.join(',') },
    { header: 'MEMORY', value: (p) => shown(p.limits.memory_mb, ' MB') },
    { header: 'BUILDS', value: (p) => `${shown(p.limits.concurrent_builds)} at once, ${shown(p.limits.build_minutes_per_month, ' min')}/month` },
    { header: 'DOMAINS', value: (p) => shown(p.limits.custom_domains) },
    { header: 'LOGS', value: (p) => `${p.limits.log_retention_hours} h` },
    { header: 'SLEEPS', value: (p) => (p.limits.sleep_after_idle_minutes === null ? 'no' : `after ${p.limits.sleep_after_idle_minutes} min`) },
  ]);
}

/** Pure: an account's use of each limit, `used / allowed`. */
export function quotasLines(quotas: QuotasJson): string[] {
  const { limits } = quotas.plan;
  const { used } = quotas;
  const rows = [
    { what: 'apps', used: used.apps, allowed: limits.apps },
    { what: 'dynos', used: used.dynos_total, allowed: limits.dynos_total },
    { what: 'dyno memory (MB)', used: used.memory_mb, allowed: limits.memory_mb },
    { what: 'builds running', used: used.concurrent_builds, allowed: limits.concurrent_builds },
    { what: 'build minutes this month', used: used.build_minutes_this_month, allowed: limits.build_minutes_per_month },
    { what: 'custom domains', used: used.custom_domains, allowed: limits.custom_domains },
    { what: 'one-off dynos', used: used.one_off_dynos, allowed: limits.one_off_dynos },
  ];
  return [
    `=== ${quotas.account.name} on the ${quotas.plan.name} plan${quotas.plan.price ? ` (${quotas.plan.price})` : ''}`,
    ...formatTable(rows, [
      { header: 'LIMIT', value: (r) => r.what },
      { header: 'USED', value: (r) => String(r.used) },
      { header: 'ALLOWED', value: (r) => shown(r.allowed) },
    ]),
    `Dyno sizes: ${limits.sizes.join(', ')}; logs kept ${limits.log_retention_hours} h; ${limits.sleep_after_idle_minutes === null ? 'apps never sleep' : `web dynos sleep after ${limits.sleep_after_idle_minutes} idle minutes`}.`,
  ];
}

/** Pure: whose quotas or plan the options name (yours by default). */
export function accountPath(options: { team?: string; user?: string }, what: 'quotas' | 'plan'): string {
  if (options.team && options.user) throw new UsageError('Choose one of --team and --user.');
  if (options.team) return apiPath`/teams/${options.team}/` + what;
  if (options.user) return apiPath`/users/${options.user}/` + what;
  if (what === 'plan') throw new UsageError('Name the account: --user EMAIL or --team TEAM.');
  return '/account/quotas';
}

export function registerPlanCommands(program: Command, ctx: CommandContext): void {
  jsonOption(program.command('plans').description("the provider's plans and what each allows")).action(async (options: JsonOption) => {
    const plans = await (await ctx.api()).get<PlanJson[]>('/plans');
    if (options.json) return ctx.printJson(plans);
    ctx.print(...plansTable(plans));
  });

  jsonOption(
    program
      .command('quotas')
      .description('your plan and what your apps use of it; a team\'s with --team; a user\'s with --user (operators)')
      .option('-t, --team <team>', "a team's")
      .option('--user <user>', "a user's (operators)"),
  ).action(async (options: JsonOption & { team?: string; user?: string }) => {
    const quotas = await (await ctx.api()).get<QuotasJson>(accountPath(options, 'quotas'));
    if (options.json) return ctx.printJson(quotas);
    ctx.print(...quotasLines(quotas));
  });

  program
    .command('plans:set <plan>')
    .description('put a user or a team on a plan (operators)')
    .option('-t, --team <team>', 'the team')
    .option('--user <user>', 'the user')
    .action(async (plan: string, options: { team?: string; user?: string }) => {
      const quotas = await (await ctx.api()).put<QuotasJson>(accountPath(options, 'plan'), { plan });
      ctx.print(`${quotas.account.name} is on the ${quotas.plan.name} plan now.`);
    });
}
