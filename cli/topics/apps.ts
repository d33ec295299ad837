// apps, apps:create, apps:info, apps:rename, apps:destroy
import type { Command } from 'commander';
import { apiPath } from '../api-client.js';
import type { AppJson, FormationJson } from '../../common/api-shapes.js';
import { appOptions, jsonOption, type AppOptions, type CommandContext, type JsonOption } from '../context.js';
import { CliError } from '../errors.js';
import { pointRemote, remoteApp } from './git.js';
import { formatKeyValues, formatTable, formatTime, heading } from '../format.js';

export function appTable(apps: readonly AppJson[]): string[] {
  return formatTable(
    [...apps].sort((a, b) => a.name.localeCompare(b.name)),
    [
      { header: 'NAME', value: (a) => a.name },
      { header: 'OWNER', value: (a) => (a.team ? `team ${a.team.name}` : (a.owner.email ?? a.owner.id)) },
      { header: 'WEB URL', value: (a) => a.web_url },
    ],
  );
}

export function appInfo(app: AppJson, formation: readonly FormationJson[]): string[] {
  const dynos = formation
    .filter((f) => f.quantity > 0)
    .map((f) => `${f.type}: ${f.quantity} (${f.size})`)
    .join(', ');
  return [
    heading(app.name),
    ...formatKeyValues([
      app.team ? ['Team', app.team.name] : ['Owner', app.owner.email ?? app.owner.id],
      ['Stack', app.build_stack.name === app.stack.name ? app.stack.name : `${app.stack.name} (next build will use ${app.build_stack.name})`],
      ['Git URL', app.git_url],
      ['Web URL', app.web_url],
      ['Dynos', dynos || 'none'],
      ['Created', formatTime(app.created_at)],
      ['Updated', formatTime(app.updated_at)],
    ]),
  ];
}

export function registerAppCommands(program: Command, ctx: CommandContext): void {
  jsonOption(program.command('apps').description('list the apps you can see').option('-t, --team <team>', "only the team's apps")).action(async (options: JsonOption & { team?: string }) => {
    const apps = await (await ctx.api()).get<AppJson[]>(options.team ? apiPath`/teams/${options.team}/apps` : '/apps');
    if (options.json) ctx.printJson(apps);
    else if (apps.length === 0) ctx.print(options.team ? `There are no apps in team ${options.team}.` : 'You have no apps.');
    else ctx.print(...appTable(apps));
  });

  jsonOption(
    program
      .command('apps:create')
      .description('create an app')
      .argument('<name>', 'DNS label, 3-30 characters')
      .option('-s, --stack <stack>', "the stack to build on (default: the platform's)")
      .option('-t, --team <team>', 'create it in a team (you need the admin or member role)'),
  ).action(
    async (name: string, options: JsonOption & { stack?: string; team?: string }) => {
      const api = await ctx.api();
      const body = { name, ...(options.stack ? { stack: options.stack } : {}) };
      const app = await ctx.step(`Creating ${name}`, () => (options.team ? api.post<AppJson>('/teams/apps', { ...body, team: options.team }) : api.post<AppJson>('/apps', body)));
      if (options.json) ctx.printJson(app);
      else ctx.print(`Created ${app.name}`, `${app.web_url} | ${app.git_url}`);
    },
  );

  jsonOption(appOptions(program.command('apps:info').description('show an app'))).action(async (options: AppOptions & JsonOption) => {
    const name = await ctx.app(options);
    const api = await ctx.api();
    const app = await api.get<AppJson>(apiPath`/apps/${name}`);
    if (options.json) return ctx.printJson(app);
    const formation = await api.get<FormationJson[]>(apiPath`/apps/${name}/formation`);
    ctx.print(...appInfo(app, formation));
  });

  jsonOption(appOptions(program.command('apps:rename').description('give the app a new name (its default hostname and git URL follow)').argument('<newname>', 'the new name'))).action(
    async (newName: string, options: AppOptions & JsonOption) => {
      const oldName = await ctx.app(options);
      const api = await ctx.api();
      const app = await ctx.step(`Renaming ${oldName} to ${newName}`, () => api.patch<AppJson>(apiPath`/apps/${oldName}`, { name: newName }));
      // As heroku's: a git remote that deployed the old name now deploys the new one.
      const remote = options.remote ?? ctx.command;
      const remoteUpdated = (await remoteApp(ctx, remote)) === oldName;
      if (remoteUpdated) await pointRemote(ctx, remote, app.git_url);
      if (options.json) return ctx.printJson(app);
      ctx.print(`Renaming ${oldName} to ${app.name}... done`, `${app.web_url} | ${app.git_url}`, ...(remoteUpdated ? [`Git remote ${remote} updated`] : []));
    },
  );

  jsonOption(
    appOptions(program.command('apps:destroy').description('destroy an app and everything in it for good')).option(
      '--confirm <app>',
      'the app name again, to confirm',
    ),
  ).action(async (options: AppOptions & JsonOption & { confirm?: string }) => {
    const name = await ctx.app(options);
    if (options.confirm !== name) {
      throw new CliError(`This destroys ${name} with its config, releases, domains and dynos, for good. To proceed, run again with --confirm ${name}`);
    }
    const api = await ctx.api();
    const app = await ctx.step(`Destroying ${name}`, () => api.delete<AppJson>(apiPath`/apps/${name}`));
    if (options.json) ctx.printJson(app);
    else ctx.print(`Destroyed ${app.name}`);
  });
}
