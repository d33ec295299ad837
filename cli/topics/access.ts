// access, access:add, access:remove (Heroku's collaborators), apps:transfer and its answers
import type { Command } from 'commander';
import { apiPath } from '../api-client.js';
import type { AppJson, AppTransferJson, CollaboratorJson } from '../../common/api-shapes.js';
import { appOptions, jsonOption, type AppOptions, type CommandContext, type JsonOption } from '../context.js';
import { CliError } from '../errors.js';
import { formatTable } from '../format.js';

export function accessTable(entries: readonly CollaboratorJson[]): string[] {
  return formatTable(entries, [
    { header: 'EMAIL', value: (c) => c.user.email },
    { header: 'ROLE', value: (c) => c.role },
  ]);
}

export function registerAccessCommands(program: Command, ctx: CommandContext): void {
  jsonOption(appOptions(program.command('access').description('list who can reach the app, with their roles'))).action(async (options: AppOptions & JsonOption) => {
    const app = await ctx.app(options);
    const entries = await (await ctx.api()).get<CollaboratorJson[]>(apiPath`/apps/${app}/collaborators`);
    if (options.json) ctx.printJson(entries);
    else ctx.print(...accessTable(entries));
  });

  appOptions(program.command('access:add').description('let a user see and change the app (a collaborator)').argument('<email>')).action(
    async (email: string, options: AppOptions) => {
      const app = await ctx.app(options);
      const api = await ctx.api();
      await ctx.step(`Adding ${email} access to ${app}`, () => api.post(apiPath`/apps/${app}/collaborators`, { user: email }));
      ctx.print(`${email} is a collaborator on ${app}`);
    },
  );

  appOptions(program.command('access:remove').description("take a collaborator's access away (or leave an app yourself)").argument('<email>')).action(
    async (email: string, options: AppOptions) => {
      const app = await ctx.app(options);
      const api = await ctx.api();
      await ctx.step(`Removing ${email} access from ${app}`, () => api.delete(apiPath`/apps/${app}/collaborators/${email}`));
      ctx.print(`${email} no longer has access to ${app}`);
    },
  );

  // As heroku's: to a user (an email), an offer they accept; to a team, a move.
  jsonOption(appOptions(program.command('apps:transfer').description('offer the app to another user, or move it to (or out of) a team').argument('<recipient>', 'an email, or a team'))).action(
    async (recipient: string, options: AppOptions & JsonOption) => {
      const app = await ctx.app(options);
      const api = await ctx.api();
      const current = await api.get<AppJson>(apiPath`/apps/${app}`);
      if (recipient.includes('@') && !current.team) {
        const offer = await ctx.step(`Offering ${app} to ${recipient}`, () => api.post<AppTransferJson>('/account/app-transfers', { app, recipient }));
        if (options.json) return ctx.printJson(offer);
        return ctx.print(`${app} is offered to ${recipient}: it moves once they accept (${ctx.command} apps:transfers:accept ${app})`);
      }
      const moved = await ctx.step(`Moving ${app} to ${recipient}`, () => api.patch<AppJson>(apiPath`/teams/apps/${app}`, { owner: recipient }));
      if (options.json) return ctx.printJson(moved);
      ctx.print(`${app} now belongs to ${moved.team ? `team ${moved.team.name}` : moved.owner.email}`);
    },
  );

  jsonOption(program.command('apps:transfers').description('list the app transfers offered to you or by you')).action(async (options: JsonOption) => {
    const transfers = await (await ctx.api()).get<AppTransferJson[]>('/account/app-transfers');
    if (options.json) return ctx.printJson(transfers);
    if (transfers.length === 0) return ctx.print('No pending app transfers.');
    ctx.print(
      ...formatTable(transfers, [
        { header: 'APP', value: (t) => t.app.name },
        { header: 'FROM', value: (t) => t.owner.email ?? '' },
        { header: 'TO', value: (t) => t.recipient.email ?? '' },
      ]),
    );
  });

  for (const [verb, state, done] of [
    ['accept', 'accepted', 'is yours now'],
    ['decline', 'declined', 'stays with its owner'],
  ] as const) {
    program
      .command(`apps:transfers:${verb}`)
      .description(`${verb} the transfer of an app offered to you`)
      .argument('<app>')
      .action(async (app: string) => {
        const api = await ctx.api();
        const transfer = (await api.get<AppTransferJson[]>('/account/app-transfers')).find((t) => t.app.name === app);
        if (!transfer) throw new CliError(`No pending transfer of ${app} (${ctx.command} apps:transfers lists them).`);
        await ctx.step(`${verb === 'accept' ? 'Accepting' : 'Declining'} ${app}`, () => api.patch(apiPath`/account/app-transfers/${transfer.id}`, { state }));
        ctx.print(`${app} ${done}`);
      });
  }
}
