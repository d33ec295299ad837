// builds
import type { Command } from 'commander';
import { apiPath } from '../api-client.js';
import type { BuildJson } from '../../common/api-shapes.js';
import { appOptions, jsonOption, type AppOptions, type CommandContext, type JsonOption } from '../context.js';
import { formatTable, formatTime } from '../format.js';

export function buildTable(builds: readonly BuildJson[]): string[] {
  return formatTable(
    [...builds].sort((a, b) => b.created_at.localeCompare(a.created_at)),
    [
      { header: 'ID', value: (b) => b.id },
      { header: 'STATUS', value: (b) => b.status },
      { header: 'COMMIT', value: (b) => b.source_blob.version.slice(0, 12) },
      { header: 'BUILDPACK', value: (b) => b.buildpacks.map((p) => p.name).join(', ') },
      { header: 'RELEASE', value: (b) => (b.release ? `v${b.release.version}` : '') },
      { header: 'CREATED', value: (b) => formatTime(b.created_at) },
      { header: 'FAILURE', value: (b) => b.failure ?? '' },
    ],
  );
}

export function registerBuildCommands(program: Command, ctx: CommandContext): void {
  jsonOption(appOptions(program.command('builds').description("list an app's builds, newest first"))).action(
    async (options: AppOptions & JsonOption) => {
      const app = await ctx.app(options);
      const builds = await (await ctx.api()).get<BuildJson[]>(apiPath`/apps/${app}/builds`);
      if (options.json) ctx.printJson(builds);
      else if (builds.length === 0) ctx.print(`${app} has no builds yet: git push to deploy.`);
      else ctx.print(...buildTable(builds));
    },
  );
}
