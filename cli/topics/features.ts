// features, features:enable, features:disable: Heroku's app features (Slipway's: http-to-https, hsts).
import type { Command } from 'commander';
import { apiPath } from '../api-client.js';
import type { AppFeatureJson } from '../../common/api-shapes.js';
import { appOptions, jsonOption, type AppOptions, type CommandContext, type JsonOption } from '../context.js';
import { formatTable, heading } from '../format.js';

/** Pure: the features as `heroku features` lists them. */
export function featureTable(app: string, features: readonly AppFeatureJson[]): string[] {
  return [heading(`App Features ${app}`), ...formatTable(features, [
    { header: 'ON', value: (f) => (f.enabled ? '[+]' : '[ ]') },
    { header: 'FEATURE', value: (f) => f.name },
    { header: 'DESCRIPTION', value: (f) => f.description },
  ])];
}

export function registerFeatureCommands(program: Command, ctx: CommandContext): void {
  jsonOption(appOptions(program.command('features').description("list the app's features and whether each is on"))).action(async (options: AppOptions & JsonOption) => {
    const app = await ctx.app(options);
    const features = await (await ctx.api()).get<AppFeatureJson[]>(apiPath`/apps/${app}/features`);
    if (options.json) return ctx.printJson(features);
    ctx.print(...featureTable(app, features));
  });

  for (const [command, enabled] of [['features:enable', true], ['features:disable', false]] as const) {
    appOptions(program.command(command).description(`turn an app feature ${enabled ? 'on' : 'off'} (http-to-https, hsts)`).argument('<feature>', 'the feature')).action(
      async (feature: string, options: AppOptions) => {
        const app = await ctx.app(options);
        const api = await ctx.api();
        await ctx.step(`${enabled ? 'Enabling' : 'Disabling'} ${feature} for ${app}`, () => api.patch<AppFeatureJson>(apiPath`/apps/${app}/features/${feature}`, { enabled }));
      },
    );
  }
}
