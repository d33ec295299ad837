// releases, releases:info, releases:rollback
import type { Command } from 'commander';
import { apiPath } from '../api-client.js';
import type { ReleaseJson } from '../../common/api-shapes.js';
import { parseReleaseVersion } from '../args.js';
import { appOptions, jsonOption, type AppOptions, type CommandContext, type JsonOption } from '../context.js';
import { CliError } from '../errors.js';
import { formatKeyValues, formatTable, formatTime, heading } from '../format.js';

export function releaseTable(releases: readonly ReleaseJson[]): string[] {
  return formatTable(
    [...releases].sort((a, b) => b.version - a.version),
    [
      { header: 'VERSION', value: (r) => `v${r.version}${r.current ? ' (current)' : ''}` },
      { header: 'STATUS', value: (r) => r.status },
      { header: 'CREATED', value: (r) => formatTime(r.created_at) },
      { header: 'DESCRIPTION', value: (r) => r.description },
    ],
  );
}

export function releaseInfo(release: ReleaseJson): string[] {
  const processTypes = Object.entries(release.process_types)
    .map(([type, command]) => `${type}: ${command}`)
    .join('; ');
  return [
    heading(`Release v${release.version}${release.current ? ' (current)' : ''}`),
    ...formatKeyValues([
      ['Description', release.description],
      ['Status', release.status],
      ['Image', release.image ? `${release.image.repository}@${release.image.digest}` : 'none'],
      ['Process types', processTypes || 'none'],
      ['Build', release.build?.id ?? 'none'],
      ['Created', formatTime(release.created_at)],
    ]),
  ];
}

/** The release a plain `releases:rollback` goes back to: the newest one before the current one. */
export function previousRelease(releases: readonly ReleaseJson[]): ReleaseJson {
  const current = releases.find((r) => r.current);
  if (!current) throw new CliError('This app has no current release to roll back from.');
  const earlier = releases.filter((r) => r.version < current.version).sort((a, b) => b.version - a.version);
  if (!earlier[0]) throw new CliError(`There is no release before v${current.version} to roll back to.`);
  return earlier[0];
}

export function registerReleaseCommands(program: Command, ctx: CommandContext): void {
  jsonOption(appOptions(program.command('releases').description("list an app's releases, newest first"))).action(
    async (options: AppOptions & JsonOption) => {
      const app = await ctx.app(options);
      const releases = await (await ctx.api()).get<ReleaseJson[]>(apiPath`/apps/${app}/releases`);
      if (options.json) ctx.printJson(releases);
      else if (releases.length === 0) ctx.print(`${app} has no releases yet.`);
      else ctx.print(...releaseTable(releases));
    },
  );

  jsonOption(appOptions(program.command('releases:info').description('show one release').argument('<version>', 'e.g. v3'))).action(
    async (version: string, options: AppOptions & JsonOption) => {
      const number = parseReleaseVersion(version);
      const app = await ctx.app(options);
      const release = await (await ctx.api()).get<ReleaseJson>(apiPath`/apps/${app}/releases/${number}`);
      if (options.json) ctx.printJson(release);
      else ctx.print(...releaseInfo(release));
    },
  );

  jsonOption(
    appOptions(
      program
        .command('releases:rollback')
        .description('roll back to an earlier release (a new release copying it)')
        .argument('[version]', 'e.g. v3 (default: the release before the current one)'),
    ),
  ).action(async (version: string | undefined, options: AppOptions & JsonOption) => {
    const app = await ctx.app(options);
    const api = await ctx.api();
    const target = version ? parseReleaseVersion(version) : previousRelease(await api.get<ReleaseJson[]>(apiPath`/apps/${app}/releases`)).version;
    const created = await ctx.step(`Rolling back ${app} to v${target}`, () => api.post<ReleaseJson>(apiPath`/apps/${app}/releases`, { release: String(target) }));
    if (options.json) ctx.printJson(created);
    else ctx.print(`Rolled back ${app} to v${target}: now at v${created.version}`);
  });
}
