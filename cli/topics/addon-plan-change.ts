// addons:upgrade and addons:downgrade (Heroku's): an add-on's plan changed in place, its data and
// URL kept (PATCH /apps/:app/addons/:addon {plan}).
import type { Command } from 'commander';
import type { AddonJson } from '../../common/api-shapes.js';
import { apiPath } from '../api-client.js';
import { appOptions, jsonOption, type AppOptions, type CommandContext, type JsonOption } from '../context.js';

/** Pure: the plan as the API names it: `standard` of a postgresql add-on is `postgresql:standard`. */
export function qualifiedPlan(service: string, plan: string): string {
  return plan.includes(':') ? plan : `${service}:${plan}`;
}

export function registerAddonPlanChangeCommands(program: Command, ctx: CommandContext): void {
  for (const [command, verb] of [['addons:upgrade', 'upgrade'], ['addons:downgrade', 'downgrade']] as const) {
    jsonOption(appOptions(program.command(command).description(`${verb} an add-on's plan in place: same data, same URL (refused when the data does not fit)`).argument('<addon>').argument('<plan>'))).action(
      async (ref: string, plan: string, options: AppOptions & JsonOption) => {
        const app = await ctx.app(options);
        const api = await ctx.api();
        const addon = await api.get<AddonJson>(apiPath`/apps/${app}/addons/${ref}`);
        const target = qualifiedPlan(addon.addon_service.name, plan);
        const changed = await ctx.step(`Changing ${addon.name} on ${app} from ${addon.plan.name} to ${target}`, () => api.patch<AddonJson>(apiPath`/apps/${app}/addons/${addon.name}`, { plan: target }));
        if (options.json) ctx.printJson(changed);
        else ctx.print(`${changed.name} is now on ${changed.plan.name}`);
      },
    );
  }
}
