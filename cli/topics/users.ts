// users, users:create, users:disable/enable, users:tokens[:revoke] (operators)
import type { Command } from 'commander';
import type { AccountJson, InvitationJson, NewUserJson, TokenJson } from '../../common/api-shapes.js';
import { apiPath } from '../api-client.js';
import { CliError, UsageError } from '../errors.js';
import { jsonOption, type CommandContext, type JsonOption } from '../context.js';
import { formatTable, formatTime } from '../format.js';
import { tokenTable } from './tokens.js';

export function userTable(users: readonly AccountJson[]): string[] {
  return formatTable(
    [...users].sort((a, b) => a.email.localeCompare(b.email)),
    [
      { header: 'EMAIL', value: (u) => u.email },
      { header: 'OPERATOR', value: (u) => (u.admin ? 'yes' : 'no') },
      { header: 'STATUS', value: (u) => (u.disabled_at ? 'disabled' : 'active') },
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

  jsonOption(
    program
      .command('users:invite')
      .description('mail an invitation to sign up (operators; when sign-up is open or by invitation)')
      .argument('<email>'),
  ).action(async (email: string, options: JsonOption) => {
    const invitation = await (await ctx.api()).post<InvitationJson>('/invitations', { email });
    if (options.json) return ctx.printJson(invitation);
    ctx.print(`Invited ${invitation.email}: the invitation works until ${invitation.expires_at}.`);
  });

  jsonOption(
    program
      .command('users:delete')
      .description('delete an account for good: its tokens, memberships and email (operators)')
      .argument('<user>', 'email or id')
      .option('--destroy-apps', 'destroy the apps it owns too (otherwise an account with apps is refused)')
      .option('--confirm <user>', 'the same email or id again, to confirm'),
  ).action(async (user: string, options: JsonOption & { destroyApps?: boolean; confirm?: string }) => {
    if (options.confirm !== user) throw new CliError(`This deletes ${user}${options.destroyApps ? ' and destroys its apps' : ''}, for good. To proceed, run again with --confirm ${user}`);
    const deleted = await (await ctx.api()).delete<AccountJson>(`${apiPath`/users/${user}`}?destroy_apps=${options.destroyApps ? 'true' : 'false'}`);
    if (options.json) return ctx.printJson(deleted);
    ctx.print(`Deleted ${deleted.email}.`);
  });

  for (const [name, disabled] of [['disable', true], ['enable', false]] as const) {
    jsonOption(
      program
        .command(`users:${name}`)
        .description(disabled ? "disable an account: all its tokens are refused, git included, until it is enabled (operators)" : 'enable a disabled account again (operators)')
        .argument('<user>', 'email or id'),
    ).action(async (user: string, options: JsonOption) => {
      const updated = await (await ctx.api()).patch<AccountJson>(apiPath`/users/${user}`, { disabled });
      if (options.json) return ctx.printJson(updated);
      ctx.print(disabled ? `Disabled ${updated.email}: their tokens are refused until the account is enabled again.` : `Enabled ${updated.email}.`);
    });
  }

  jsonOption(program.command('users:tokens').description("list a user's API tokens, not their secrets (operators)").argument('<user>', 'email or id')).action(
    async (user: string, options: JsonOption) => {
      const tokens = await (await ctx.api()).get<TokenJson[]>(apiPath`/users/${user}/tokens`);
      if (options.json) ctx.printJson(tokens);
      else if (tokens.length === 0) ctx.print(`${user} has no tokens.`);
      else ctx.print(...tokenTable(tokens));
    },
  );

  jsonOption(
    program
      .command('users:tokens:revoke')
      .description("revoke one of a user's API tokens, or all of them with --all (operators)")
      .argument('<user>', 'email or id')
      .argument('[id]', 'the token id (see users:tokens)')
      .option('--all', 'revoke every token the user has'),
  ).action(async (user: string, id: string | undefined, options: JsonOption & { all?: boolean }) => {
    if (!id === !options.all) throw new UsageError('Name a token id, or --all to revoke every token of the user (not both).');
    const api = await ctx.api();
    if (id) {
      const revoked = await api.delete<{ id: string }>(apiPath`/users/${user}/tokens/${id}`);
      if (options.json) return ctx.printJson(revoked);
      return ctx.print(`Revoked token ${revoked.id} of ${user}`);
    }
    const revoked = await api.delete<TokenJson[]>(apiPath`/users/${user}/tokens`);
    if (options.json) return ctx.printJson(revoked);
    ctx.print(`Revoked ${revoked.length} token${revoked.length === 1 ? '' : 's'} of ${user}`);
  });
}
