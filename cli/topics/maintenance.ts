// maintenance, maintenance:on, maintenance:off: Heroku's maintenance mode (the router answers
// with the maintenance page; the app's processes keep running).
import type { Command } from 'commander';
import { apiPath } from '../api-client.js';
import type { AppJson } from '../../common/api-shapes.js';
import { appOptions, jsonOption, type AppOptions, type CommandContext, type JsonOption } from '../context.js';

export function registerMaintenanceCommands(program: Command, ctx: CommandContext): void {
  jsonOption(appOptions(program.command('maintenance').description("show whether the app is in maintenance mode"))).action(async (options: AppOptions & JsonOption) => {
    const app = await (await ctx.api()).get<AppJson>(apiPath`/apps/${await ctx.app(options)}`);
    if (options.json) return ctx.printJson({ maintenance: app.maintenance });
    ctx.print(app.maintenance ? 'on' : 'off');
  });

  for (const [command, on] of [['maintenance:on', true], ['maintenance:off', false]] as const) {
    appOptions(program.command(command).description(on ? 'put the app into maintenance mode (the router answers with the maintenance page)' : 'take the app out of maintenance mode')).action(
      async (options: AppOptions) => {
        const name = await ctx.app(options);
        const api = await ctx.api();
        await ctx.step(`${on ? 'Enabling' : 'Disabling'} maintenance mode for ${name}`, () => api.patch<AppJson>(apiPath`/apps/${name}`, { maintenance: on }));
        ctx.print(`${on ? 'Enabling' : 'Disabling'} maintenance mode for ${name}... done`);
      },
    );
  }
}
