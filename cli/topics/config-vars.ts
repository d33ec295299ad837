// config, config:get, config:set, config:unset. Values are secrets: they appear only as the
// output the user asked for, never in errors.
import type { Command } from 'commander';
import { apiPath, type ApiClient } from '../api-client.js';
import type { ConfigVarsJson, ReleaseJson } from '../../common/api-shapes.js';
import { parseConfigAssignments, parseConfigNames } from '../args.js';
import { appOptions, jsonOption, type AppOptions, type CommandContext, type JsonOption } from '../context.js';
import { ApiError } from '../errors.js';
import { formatKeyValues, formatShellAssignments, heading, listInWords } from '../format.js';

export function configLines(app: string, vars: ConfigVarsJson): string[] {
  const names = Object.keys(vars).sort();
  if (names.length === 0) return [`${app} has no config vars.`];
  return [heading(`${app} Config Vars`), ...formatKeyValues(names.map((name) => [name, vars[name]!]))];
}

// Shorter values are not worth hiding and would mangle ordinary words in the message.
const MIN_REDACTED_LENGTH = 4;

/** The message with every given secret replaced: a last guard, the API does not echo values. */
export function redact(message: string, secrets: readonly string[]): string {
  return secrets
    .filter((s) => s.length >= MIN_REDACTED_LENGTH)
    .sort((a, b) => b.length - a.length)
    .reduce((text, secret) => text.split(secret).join('[redacted]'), message);
}

async function currentVersion(api: ApiClient, app: string): Promise<string> {
  const releases = await api.get<ReleaseJson[]>(apiPath`/apps/${app}/releases`);
  const current = releases.find((r) => r.current) ?? releases.at(-1);
  return current ? `v${current.version}` : 'no release';
}

export function registerConfigCommands(program: Command, ctx: CommandContext): void {
  jsonOption(
    appOptions(program.command('config').description("show an app's config vars")).option('-s, --shell', 'print KEY=value lines for a shell'),
  ).action(async (options: AppOptions & JsonOption & { shell?: boolean }) => {
    const app = await ctx.app(options);
    const vars = await (await ctx.api()).get<ConfigVarsJson>(apiPath`/apps/${app}/config-vars`);
    if (options.json) ctx.printJson(vars);
    else if (options.shell) ctx.print(...formatShellAssignments(vars));
    else ctx.print(...configLines(app, vars));
  });

  jsonOption(appOptions(program.command('config:get').description('print one config var').argument('<key>'))).action(
    async (key: string, options: AppOptions & JsonOption) => {
      const app = await ctx.app(options);
      const vars = await (await ctx.api()).get<ConfigVarsJson>(apiPath`/apps/${app}/config-vars`);
      const value = Object.hasOwn(vars, key) ? vars[key]! : null;
      if (options.json) ctx.printJson({ key, value });
      // like `heroku config:get`: an unset var prints an empty line
      else ctx.print(value ?? '');
    },
  );

  jsonOption(
    appOptions(
      program
        .command('config:set')
        .description('set config vars and roll out a new release')
        .argument('<assignments...>', 'KEY=VALUE (the value may contain =)'),
    ),
  ).action(async (args: string[], options: AppOptions & JsonOption) => {
    const assignments = parseConfigAssignments(args);
    const app = await ctx.app(options);
    const api = await ctx.api();
    const vars = await ctx.step(`Setting ${Object.keys(assignments).join(', ')} and restarting ${app}`, () => api.patch<ConfigVarsJson>(apiPath`/apps/${app}/config-vars`, assignments)).catch((err: unknown) => {
      if (err instanceof ApiError) throw new ApiError(err.status, err.id, redact(err.message, Object.values(assignments)));
      throw err;
    });
    if (options.json) return ctx.printJson(vars);
    const names = Object.keys(assignments);
    ctx.print(
      `Set ${listInWords(names)} on ${app}, ${await currentVersion(api, app)}`,
      ...formatKeyValues(names.map((name) => [name, assignments[name]!])),
    );
  });

  jsonOption(
    appOptions(program.command('config:unset').description('remove config vars and roll out a new release').argument('<keys...>')),
  ).action(async (args: string[], options: AppOptions & JsonOption) => {
    const names = parseConfigNames(args);
    const app = await ctx.app(options);
    const api = await ctx.api();
    const vars = await ctx.step(`Unsetting ${names.join(', ')} and restarting ${app}`, () => api.patch<ConfigVarsJson>(apiPath`/apps/${app}/config-vars`, Object.fromEntries(names.map((n) => [n, null]))));
    if (options.json) ctx.printJson(vars);
    else ctx.print(`Unset ${listInWords(names)} on ${app}, ${await currentVersion(api, app)}`);
  });
}
