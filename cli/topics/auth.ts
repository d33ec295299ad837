// login, logout, whoami: the credentials file and the account behind a token.
import type { Command } from 'commander';
import { ApiClient } from '../api-client.js';
import type { AccountJson } from '../../common/api-shapes.js';
import { jsonOption, type CommandContext, type JsonOption } from '../context.js';
import { normaliseApiUrl, readCredentials, removeCredentials, writeCredentials } from '../credentials.js';
import { UsageError } from '../errors.js';

interface LoginOptions extends JsonOption {
  api?: string;
  token?: string;
}

export function registerAuthCommands(program: Command, ctx: CommandContext): void {
  jsonOption(
    program
      .command('login')
      .description('check an API token and store it with the API URL')
      .option('--api <url>', 'the Platform API URL (default: SLIPWAY_API_URL, or the one stored)')
      .option('--token <token>', "an API token; '-' reads it from stdin (default: SLIPWAY_API_TOKEN)"),
  ).action(async (options: LoginOptions) => {
    const { config } = ctx.io;
    const stored = await readCredentials(config.credentialsPath).catch(() => null);
    const api = options.api ?? config.apiUrl ?? stored?.apiUrl;
    if (!api) throw new UsageError('Which API? Use --api <url> (or set SLIPWAY_API_URL).');
    let token = options.token ?? config.apiToken;
    if (token === '-') token = (await ctx.io.readStdin()).split('\n')[0]!.trim();
    if (!token) throw new UsageError("Which token? Use --token <token>, --token - to read it from stdin, or set SLIPWAY_API_TOKEN.");

    const apiUrl = normaliseApiUrl(api);
    const account = await new ApiClient({ apiUrl, token, fetch: ctx.io.fetch }).get<AccountJson>('/account');
    await writeCredentials(config.credentialsPath, { apiUrl, token, email: account.email });
    if (options.json) ctx.printJson(account);
    else ctx.print(`Logged in to ${apiUrl} as ${account.email}`);
  });

  jsonOption(program.command('logout').description('forget the stored API token')).action(async (options: JsonOption) => {
    const removed = await removeCredentials(ctx.io.config.credentialsPath);
    if (options.json) ctx.printJson({ logged_out: removed });
    else ctx.print(removed ? 'Logged out' : 'Not logged in');
    if (ctx.io.config.apiToken) ctx.note('Note: SLIPWAY_API_TOKEN is still set in the environment.');
  });

  jsonOption(program.command('whoami').description('show the account the token belongs to')).action(async (options: JsonOption) => {
    const account = await (await ctx.api()).get<AccountJson>('/account');
    if (options.json) ctx.printJson(account);
    else ctx.print(account.admin ? `${account.email} (operator)` : account.email);
  });
}
