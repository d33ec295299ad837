// buildpacks, buildpacks:set, buildpacks:add, buildpacks:remove, buildpacks:clear: the
// heroku CLI's behaviour and messages over the buildpack-installations API. The list changes
// are pure (planned here, then PUT whole, as the heroku CLI does).
import type { Command } from 'commander';
import { apiPath } from '../api-client.js';
import type { BuildpackInstallationJson } from '../../common/api-shapes.js';
import { appOptions, jsonOption, type AppOptions, type CommandContext, type JsonOption } from '../context.js';
import { UsageError } from '../errors.js';
import { DEFAULT_REMOTE } from '../git.js';
import { heading } from '../format.js';

export type BuildpackChange =
  | { kind: 'set'; buildpack: string; index?: number }
  | { kind: 'add'; buildpack: string; index?: number }
  | { kind: 'remove'; buildpack?: string; index?: number };

/** `-i N`: a whole number from 1. */
export function parseIndex(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const index = Number(text);
  if (!Number.isInteger(index) || index < 1) throw new UsageError('Invalid index. Must be greater than 0.');
  return index;
}

function invalidIndex(length: number): UsageError {
  return new UsageError(length <= 1 ? 'Invalid index. Only valid value is 1.' : `Invalid index. Please choose a value between 1 and ${length}`);
}

/** The list after `change` (pure); a UsageError in the heroku CLI's words when it cannot apply. */
export function applyBuildpackChange(current: readonly string[], change: BuildpackChange): string[] {
  const list = [...current];
  if (change.kind === 'remove') {
    if (change.index !== undefined && change.buildpack !== undefined) throw new UsageError('Please choose either index or Buildpack, but not both.');
    if (change.index === undefined && change.buildpack === undefined) {
      throw new UsageError(`Usage: buildpacks:remove [BUILDPACK_URL]. Must specify a buildpack to remove, either by index or URL.`);
    }
    if (list.length === 0) throw new UsageError('No buildpacks were found. Next release will detect buildpack normally.');
    const at = change.index !== undefined ? change.index - 1 : list.indexOf(change.buildpack!);
    if (change.index !== undefined && at >= list.length) throw invalidIndex(list.length);
    if (at < 0) throw new UsageError('Buildpack not found. Nothing was removed.');
    list.splice(at, 1);
    return list;
  }
  const others = list.filter((_, i) => change.kind === 'add' || i !== (change.index ?? 1) - 1);
  if (others.includes(change.buildpack)) throw new UsageError(`The buildpack ${change.buildpack} is already set on your app.`);
  if (change.kind === 'set') {
    const at = (change.index ?? 1) - 1;
    if (at > list.length) throw invalidIndex(list.length + 1);
    list.splice(at, 1, change.buildpack);
    return list;
  }
  const at = change.index === undefined ? list.length : Math.min(change.index - 1, list.length);
  list.splice(at, 0, change.buildpack);
  return list;
}

/** The list as `heroku buildpacks` prints it: one plain line, or numbered lines. */
export function buildpackLines(list: readonly string[], indent = ''): string[] {
  if (list.length === 1) return [`${indent}${list[0]}`];
  return list.map((buildpack, i) => `${indent}${i + 1}. ${buildpack}`);
}

/** What happened and what the next release uses, in the heroku CLI's words. */
export function changeMessage(app: string, verb: 'set' | 'added' | 'removed', list: readonly string[], remote = DEFAULT_REMOTE): string[] {
  if (list.length === 0) return [`Buildpack ${verb}. Next release on ${app} will detect buildpacks normally.`];
  const head = list.length === 1 ? `Buildpack ${verb}. Next release on ${app} will use ${list[0]}.` : `Buildpack ${verb}. Next release on ${app} will use:`;
  return [
    head,
    ...(list.length > 1 ? buildpackLines(list, '  ') : []),
    `Run git push ${remote} main to create a new release using ${list.length === 1 ? 'this buildpack' : 'these buildpacks'}.`,
  ];
}

const names = (installations: readonly BuildpackInstallationJson[]) =>
  [...installations].sort((a, b) => a.ordinal - b.ordinal).map((i) => i.buildpack.name);

export function registerBuildpackCommands(program: Command, ctx: CommandContext): void {
  const current = async (app: string) => names(await (await ctx.api()).get<BuildpackInstallationJson[]>(apiPath`/apps/${app}/buildpack-installations`));
  const save = async (app: string, list: readonly string[]) =>
    (await ctx.api()).put<BuildpackInstallationJson[]>(apiPath`/apps/${app}/buildpack-installations`, { updates: list.map((buildpack) => ({ buildpack })) });

  jsonOption(appOptions(program.command('buildpacks').description("show the app's buildpacks (none: detected at build)"))).action(
    async (options: AppOptions & JsonOption) => {
      const app = await ctx.app(options);
      const installations = await (await ctx.api()).get<BuildpackInstallationJson[]>(apiPath`/apps/${app}/buildpack-installations`);
      if (options.json) return ctx.printJson(installations);
      const list = names(installations);
      if (list.length === 0) ctx.print(`${app} has no Buildpacks.`);
      else ctx.print(heading(`${app} Buildpack URL${list.length > 1 ? 's' : ''}`), ...buildpackLines(list));
    },
  );

  const change = (command: string, description: string, verb: 'set' | 'added' | 'removed', make: (buildpack: string | undefined, index: number | undefined) => BuildpackChange) =>
    jsonOption(
      appOptions(
        program
          .command(command)
          .description(description)
          .argument(verb === 'removed' ? '[buildpack]' : '<buildpack>', 'a git URL (https://host/repo.git#ref), a .tgz URL, or a name (heroku/nodejs)')
          .option('-i, --index <n>', 'the position in the list, from 1'),
      ),
    ).action(async (buildpack: string | undefined, options: AppOptions & JsonOption & { index?: string }) => {
      const app = await ctx.app(options);
      const list = applyBuildpackChange(await current(app), make(buildpack, parseIndex(options.index)));
      const saved = await save(app, list);
      if (options.json) ctx.printJson(saved);
      else ctx.print(...changeMessage(app, verb, names(saved), ctx.command));
    });

  change('buildpacks:set', 'set the buildpack (at --index, default 1) the next build uses', 'set', (buildpack, index) => ({ kind: 'set', buildpack: buildpack!, index }));
  change('buildpacks:add', 'add a buildpack (at --index, default last)', 'added', (buildpack, index) => ({ kind: 'add', buildpack: buildpack!, index }));
  change('buildpacks:remove', 'remove a buildpack, by URL or --index', 'removed', (buildpack, index) => ({ kind: 'remove', buildpack, index }));

  jsonOption(appOptions(program.command('buildpacks:clear').description('remove every buildpack: the next build detects one'))).action(
    async (options: AppOptions & JsonOption) => {
      const app = await ctx.app(options);
      const saved = await save(app, []);
      if (options.json) ctx.printJson(saved);
      else ctx.print(`Buildpacks cleared. Next release on ${app} will detect buildpacks normally.`);
    },
  );
}
