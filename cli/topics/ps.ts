// ps, ps:scale, ps:restart, ps:stop, run:detached: dynos, the formation and one-off dynos.
import type { Command } from 'commander';
import { apiPath } from '../api-client.js';
import type { DynoJson, FormationJson } from '../../common/api-shapes.js';
import { parseScaleArgs } from '../args.js';
import { appOptions, jsonOption, type AppOptions, type CommandContext, type JsonOption } from '../context.js';
import { formatTable } from '../format.js';

export function dynoTable(dynos: readonly DynoJson[]): string[] {
  const sorted = [...dynos].sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name, undefined, { numeric: true }));
  return formatTable(sorted, [
    { header: 'NAME', value: (d) => d.name },
    { header: 'STATE', value: (d) => d.state },
    { header: 'RELEASE', value: (d) => `v${d.release.version}` },
    { header: 'HOST', value: (d) => d.host.id },
    { header: 'PORT', value: (d) => (d.port === null ? '' : String(d.port)), align: 'right' },
    { header: 'REASON', value: (d) => d.reason ?? '' },
  ]);
}

/** `web at 2:standard, worker at 1:basic` */
export function formationSummary(formation: readonly FormationJson[]): string {
  return [...formation]
    .sort((a, b) => a.type.localeCompare(b.type))
    .map((f) => `${f.type} at ${f.quantity}:${f.size}`)
    .join(', ');
}

export function formationTable(formation: readonly FormationJson[]): string[] {
  return formatTable(
    [...formation].sort((a, b) => a.type.localeCompare(b.type)),
    [
      { header: 'TYPE', value: (f) => f.type },
      { header: 'QUANTITY', value: (f) => String(f.quantity), align: 'right' },
      { header: 'SIZE', value: (f) => f.size },
      { header: 'COMMAND', value: (f) => f.command ?? '' },
    ],
  );
}

export function registerPsCommands(program: Command, ctx: CommandContext): void {
  jsonOption(appOptions(program.command('ps').description("list an app's dynos"))).action(async (options: AppOptions & JsonOption) => {
    const app = await ctx.app(options);
    const dynos = await (await ctx.api()).get<DynoJson[]>(apiPath`/apps/${app}/dynos`);
    if (options.json) ctx.printJson(dynos);
    else if (dynos.length === 0) ctx.print(`No dynos on ${app}.`);
    else ctx.print(...dynoTable(dynos));
  });

  jsonOption(
    appOptions(
      program
        .command('ps:scale')
        .description('set how many dynos of each process type run, and their size; without arguments, show the formation')
        .argument('[changes...]', 'TYPE=QUANTITY[:SIZE], e.g. web=2 worker=1 or web=2:standard'),
    ),
  ).action(async (args: string[], options: AppOptions & JsonOption) => {
    const changes = parseScaleArgs(args);
    const app = await ctx.app(options);
    const api = await ctx.api();
    if (changes.length === 0) {
      const formation = await api.get<FormationJson[]>(apiPath`/apps/${app}/formation`);
      if (options.json) ctx.printJson(formation);
      else if (formation.length === 0) ctx.print(`${app} has no process types yet: deploy it first.`);
      else ctx.print(...formationTable(formation));
      return;
    }
    const formation = await ctx.step('Scaling dynos', () => api.patch<FormationJson[]>(apiPath`/apps/${app}/formation`, { updates: changes }));
    if (options.json) ctx.printJson(formation);
    else ctx.print(`Scaled ${app}: now running ${formationSummary(formation)}`);
  });

  jsonOption(
    appOptions(
      program
        .command('ps:restart')
        .description('replace dynos with fresh ones (all of them, one process type, or one dyno)')
        .argument('[dyno]', 'a dyno (web.1) or a process type (web)'),
    ),
  ).action(async (dyno: string | undefined, options: AppOptions & JsonOption) => {
    const app = await ctx.app(options);
    const api = await ctx.api();
    const result = await ctx.step(`Restarting ${dyno ?? 'all dynos'} on ${app}`, () => api.delete<Record<string, never>>(dyno ? apiPath`/apps/${app}/dynos/${dyno}` : apiPath`/apps/${app}/dynos`));
    if (options.json) ctx.printJson(result);
    else ctx.print(`Restarting ${dyno ? `${dyno} on ` : 'all dynos on '}${app}: fresh dynos replace the old ones once they are up`);
  });

  appOptions(program.command('ps:stop').description('stop a dyno: a one-off ends; a dyno of the formation is started again (scale down to keep it stopped)').argument('<dyno>', 'a dyno (web.1, run.3) or a process type, as ps lists them')).action(
    async (dyno: string, options: AppOptions) => {
      const app = await ctx.app(options);
      const api = await ctx.api();
      await ctx.step(`Stopping ${dyno} on ${app}`, () => api.post(apiPath`/apps/${app}/dynos/${dyno}/actions/stop`));
      ctx.print(`Stopping ${dyno} on ${app}... done`);
    },
  );

  jsonOption(
    appOptions(
      program
        .command('run:detached')
        .description("run a command of the current release in a one-off dyno; its output goes to the app's log")
        .argument('<command...>', 'the command and its arguments')
        .option('-s, --size <size>', 'dyno size (basic, standard, performance)'),
    ),
  ).action(async (words: string[], options: AppOptions & JsonOption & { size?: string }) => {
    const app = await ctx.app(options);
    const dyno = await (await ctx.api()).post<DynoJson>(apiPath`/apps/${app}/dynos`, { command: words.join(' '), attach: false, ...(options.size ? { size: options.size } : {}) });
    if (options.json) return ctx.printJson(dyno);
    ctx.print(`Running ${dyno.command} on ${app}... up, ${dyno.name}`, `Run ${ctx.command} logs -a ${app} to see its output (the lines of ${dyno.name}).`);
  });
}
