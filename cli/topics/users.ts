// users, users:create (operators)
import type { Command } from 'commander';
import type { AccountJson, NewUserJson } from '../../common/api-shapes.js';
import { jsonOption, type CommandContext, type JsonOption } from '../context.js';
import { formatTable, formatTime } from '../format.js';

export function userTable(users: readonly AccountJson[]): string[] {
  return formatTable(
    [...users].sort((a, b) => a.email.localeCompare(b.email)),
    [
      { header: 'EMAIL', value: (u) => u.email },
      { header: 'OPERATOR', value: (u) => (u.admin ? 'yes' : 'no') },
      { header: 'ID', value: (u) => u.id },
      { header: 'CREATED', value: (u) => formatTime(u.created_at) },
    ],
  );
}

export function registerUserCommands(program: Command, ctx: CommandContext): void {
  jsonOption(program.command('users').description('list users (operators)')).action(async (options: JsonOption) => {
    const users = await (await ctx.api()).get<AccountJson[]>('/users');
    if (options.json) ctx.printJson(users);
    else ctx.print(...userTable(users));
  });

  jsonOption(
    program
      .command('users:create')
      .description("create a user and print their first API token, once (operators)")
      .argument('<email>')
      .option('--admin', 'make the user an operator'),
  ).action(async (email: string, options: JsonOption & { admin?: boolean }) => {
    const user = await (await ctx.api()).post<NewUserJson>('/users', { email, admin: options.admin ?? false });
    if (options.json) return ctx.printJson(user);
    ctx.print(`Created ${user.admin ? 'operator' : 'user'} ${user.email} (${user.id})`, `API token (shown only now): ${user.token}`);
  });
}
