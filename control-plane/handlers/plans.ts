// The provider's plans as users and operators see them: the catalogue, an account's quotas
// (its plan and what it uses), and operators moving users and teams between plans.
import Router from '@koa/router';
import { z } from 'zod';
import type { PlanJson, QuotasJson } from '../../common/api-shapes.js';
import type { Team, User } from '../../common/types.js';
import { requireAdmin } from '../http/auth.js';
import { bodyOf, spec } from '../http/api-spec.js';
import { namedUser, visibleTeam, visibleUser } from '../http/load-user.js';
import type { Account } from '../plans/assignments.js';
import type { Plan } from '../plans/catalogue.js';
import type { Quotas } from '../plans/gate.js';
import type { Services } from '../services.js';

const planChange = z.object({ plan: z.string().min(1).max(30) }).strict();

export function planJson(plan: Plan, defaultPlan: Plan): PlanJson {
  return {
    name: plan.name,
    price: plan.price,
    default: plan.name === defaultPlan.name,
    limits: {
      apps: plan.apps,
      dynos_per_app: plan.dynosPerApp,
      dynos_total: plan.dynosTotal,
      sizes: [...plan.sizes],
      memory_mb: plan.memoryMb,
      concurrent_builds: plan.concurrentBuilds,
      build_minutes_per_month: plan.buildMinutesPerMonth,
      custom_domains: plan.customDomains,
      one_off_dynos: plan.oneOffDynos,
      log_retention_hours: plan.logRetentionHours,
      sleep_after_idle_minutes: plan.sleepAfterIdleMinutes,
    },
  };
}

function quotasJson(account: Account, name: string, quotas: Quotas, defaultPlan: Plan): QuotasJson {
  const { used } = quotas;
  return {
    account: { kind: account.kind, id: account.id, name },
    plan: planJson(quotas.plan, defaultPlan),
    used: {
      apps: used.apps,
      dynos_total: used.dynosTotal,
      memory_mb: used.memoryMb,
      concurrent_builds: used.concurrentBuilds,
      build_minutes_this_month: used.buildMinutesThisMonth,
      custom_domains: used.customDomains,
      one_off_dynos: used.oneOffDynos,
    },
  };
}

export function planHandlers(services: Services): Router {
  const router = new Router();
  const { plans } = services;
  const defaultPlan = () => plans.catalogue.defaultPlan;
  const userQuotas = async (user: User) => quotasJson({ kind: 'user', id: user.id }, user.email, await plans.quotas({ kind: 'user', id: user.id }), defaultPlan());
  const teamQuotas = async (team: Team) => quotasJson({ kind: 'team', id: team.id }, team.name, await plans.quotas({ kind: 'team', id: team.id }), defaultPlan());

  router.get('/plans', spec({ summary: 'The provider’s plans and their limits', response: { shape: 'PlanJson', list: true } }), (ctx) => {
    ctx.body = plans.catalogue.plans.map((plan) => planJson(plan, defaultPlan()));
  });

  router.get('/account/quotas', spec({ summary: 'The caller’s plan, and what their personal apps use of it', response: { shape: 'QuotasJson' } }), async (ctx) => {
    ctx.body = await userQuotas(ctx.state.user as User);
  });

  router.get('/users/:user/quotas', spec({ summary: 'A user’s plan and use (the user, or operators)', response: { shape: 'QuotasJson' } }), async (ctx) => {
    ctx.body = await userQuotas(await visibleUser(ctx, services));
  });

  router.get('/teams/:team/quotas', spec({ summary: 'A team’s plan and use (its members, or operators)', response: { shape: 'QuotasJson' } }), async (ctx) => {
    ctx.body = await teamQuotas(await visibleTeam(ctx, services));
  });

  router.put('/users/:user/plan', spec({ summary: 'Puts a user on a plan (operators)', body: planChange, response: { shape: 'QuotasJson' } }), requireAdmin, async (ctx) => {
    const user = await namedUser(ctx, services);
    await plans.assign({ kind: 'user', id: user.id }, bodyOf(ctx, planChange).plan);
    ctx.body = await userQuotas(user);
  });

  router.put('/teams/:team/plan', spec({ summary: 'Puts a team on a plan (operators)', body: planChange, response: { shape: 'QuotasJson' } }), requireAdmin, async (ctx) => {
    const team = await visibleTeam(ctx, services);
    await plans.assign({ kind: 'team', id: team.id }, bodyOf(ctx, planChange).plan);
    ctx.body = await teamQuotas(team);
  });

  return router;
}
