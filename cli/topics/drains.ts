// drains, drains:add, drains:remove (Heroku's log drains)
import type { Command } from 'commander';
import { apiPath } from '../api-client.js';
import type { LogDrainJson } from '../../common/api-shapes.js';
import { appOptions, jsonOption, type AppOptions, type CommandContext, type JsonOption } from '../context.js';
import { formatTable } from '../format.js';

export function drainTable(drains: readonly LogDrainJson[]): string[] {
  return formatTable(drains, [
    { header: 'URL', value: (d) => d.url },
    { header: 'TOKEN', value: (d) => d.token },
  ]);
}

export function registerDrainCommands(program: Command, ctx: CommandContext): void {
  jsonOption(appOptions(program.command('drains').description("list an app's log drains"))).action(async (options: AppOptions & JsonOption) => {
    const app = await ctx.app(options);
    const drains = await (await ctx.api()).get<LogDrainJson[]>(apiPath`/apps/${app}/log-drains`);
    if (options.json) ctx.printJson(drains);
    else if (drains.length === 0) ctx.print(`${app} has no log drains.`);
    else ctx.print(...drainTable(drains));
  });

  jsonOption(
    appOptions(program.command('drains:add').description("forward the app's logs to a syslog+tls://, syslog://, syslog+udp:// or https:// URL").argument('<url>')),
  ).action(async (url: string, options: AppOptions & JsonOption) => {
    const app = await ctx.app(options);
    const drain = await (await ctx.api()).post<LogDrainJson>(apiPath`/apps/${app}/log-drains`, { url });
    if (options.json) ctx.printJson(drain);
    else ctx.print(`Added drain ${drain.url} to ${app} (token ${drain.token})`);
  });

  jsonOption(appOptions(program.command('drains:remove').description('stop forwarding to a log drain, named by URL, token or id').argument('<url>'))).action(
    async (ref: string, options: AppOptions & JsonOption) => {
      const app = await ctx.app(options);
      const drain = await (await ctx.api()).delete<LogDrainJson>(apiPath`/apps/${app}/log-drains/${ref}`);
      if (options.json) ctx.printJson(drain);
      else ctx.print(`Removed drain ${drain.url} from ${app}`);
    },
  );
}
