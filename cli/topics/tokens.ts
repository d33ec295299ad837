// tokens, tokens:create, tokens:revoke: the API tokens of the logged-in account.
import type { Command } from 'commander';
import { apiPath } from '../api-client.js';
import type { NewTokenJson, TokenJson } from '../../common/api-shapes.js';
import { jsonOption, type CommandContext, type JsonOption } from '../context.js';
import { formatTable, formatTime } from '../format.js';

export function tokenTable(tokens: readonly TokenJson[]): string[] {
  return formatTable(
    [...tokens].sort((a, b) => a.created_at.localeCompare(b.created_at)),
    [
      { header: 'ID', value: (t) => t.id },
      { header: 'DESCRIPTION', value: (t) => t.description },
      { header: 'CREATED', value: (t) => formatTime(t.created_at) },
    ],
  );
}

export function registerTokenCommands(program: Command, ctx: CommandContext): void {
  jsonOption(program.command('tokens').description('list your API tokens (not their secrets)')).action(async (options: JsonOption) => {
    const tokens = await (await ctx.api()).get<TokenJson[]>('/account/tokens');
    if (options.json) ctx.printJson(tokens);
    else ctx.print(...tokenTable(tokens));
  });

  jsonOption(
    program.command('tokens:create').description('issue a new API token and print it, once').option('--description <text>', 'what the token is for', ''),
  ).action(async (options: JsonOption & { description: string }) => {
    const created = await (await ctx.api()).post<NewTokenJson>('/account/tokens', { description: options.description });
    if (options.json) return ctx.printJson(created);
    ctx.print(`Created token ${created.id}${created.description ? ` (${created.description})` : ''}`, `API token (shown only now): ${created.token}`);
  });

  jsonOption(program.command('tokens:revoke').description('revoke one of your API tokens').argument('<id>')).action(
    async (id: string, options: JsonOption) => {
      const revoked = await (await ctx.api()).delete<{ id: string }>(apiPath`/account/tokens/${id}`);
      if (options.json) ctx.printJson(revoked);
      else ctx.print(`Revoked token ${revoked.id}`);
    },
  );
}
