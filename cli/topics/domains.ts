// domains, domains:add, domains:remove
import type { Command } from 'commander';
import { apiPath } from '../api-client.js';
import type { DomainJson } from '../../common/api-shapes.js';
import { appOptions, jsonOption, type AppOptions, type CommandContext, type JsonOption } from '../context.js';
import { formatTable } from '../format.js';

export function domainTable(domains: readonly DomainJson[]): string[] {
  return formatTable(domains, [
    { header: 'HOSTNAME', value: (d) => d.hostname },
    // the API says `heroku` (Heroku's name) for the built-in hostname
    { header: 'KIND', value: (d) => (d.kind === 'heroku' ? 'default' : d.kind) },
    { header: 'DNS TARGET', value: (d) => d.cname ?? '' },
    { header: 'CERTIFICATE', value: (d) => d.sni_endpoint?.name ?? '' },
  ]);
}

export function registerDomainCommands(program: Command, ctx: CommandContext): void {
  jsonOption(appOptions(program.command('domains').description("list an app's hostnames"))).action(
    async (options: AppOptions & JsonOption) => {
      const app = await ctx.app(options);
      const domains = await (await ctx.api()).get<DomainJson[]>(apiPath`/apps/${app}/domains`);
      if (options.json) ctx.printJson(domains);
      else ctx.print(...domainTable(domains));
    },
  );

  jsonOption(appOptions(program.command('domains:add').description('route a custom hostname to the app').argument('<hostname>'))).action(
    async (hostname: string, options: AppOptions & JsonOption) => {
      const app = await ctx.app(options);
      const api = await ctx.api();
      const domain = await ctx.step(`Adding ${hostname} to ${app}`, () => api.post<DomainJson>(apiPath`/apps/${app}/domains`, { hostname }));
      if (options.json) ctx.printJson(domain);
      else ctx.print(`Added ${domain.hostname} to ${app}: point its DNS at the router`);
    },
  );

  jsonOption(appOptions(program.command('domains:remove').description('stop routing a custom hostname to the app').argument('<hostname>'))).action(
    async (hostname: string, options: AppOptions & JsonOption) => {
      const app = await ctx.app(options);
      const api = await ctx.api();
      const domain = await ctx.step(`Removing ${hostname} from ${app}`, () => api.delete<DomainJson>(apiPath`/apps/${app}/domains/${hostname}`));
      if (options.json) ctx.printJson(domain);
      else ctx.print(`Removed ${domain.hostname} from ${app}`);
    },
  );
}
