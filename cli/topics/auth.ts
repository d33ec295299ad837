// login, logout, whoami: the credentials file and the account behind a token.
import type { Command } from 'commander';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiClient, apiPath } from '../api-client.js';
import type { AccountJson, AccountMessageJson, AuthorizationJson, SsoLoginJson, SsoSessionJson } from '../../common/api-shapes.js';
import { jsonOption, type CommandContext, type JsonOption } from '../context.js';
import { normaliseApiUrl, readCredentials, removeCredentials, writeCredentials } from '../credentials.js';
import { UsageError } from '../errors.js';

interface LoginOptions extends JsonOption {
  api?: string;
  token?: string;
  email?: string;
  sso?: boolean;
}

/** The API URL a command names, or the environment's, or the one stored at the last login. */
async function chosenApi(ctx: CommandContext, given: string | undefined): Promise<string> {
  const stored = await readCredentials(ctx.io.config.credentialsPath).catch(() => null);
  const api = given ?? ctx.io.config.apiUrl ?? stored?.apiUrl;
  if (!api) throw new UsageError('Which API? Use --api <url> (or set SLIPWAY_API_URL).');
  return normaliseApiUrl(api);
}

const hostName = () => hostname().split('.')[0] ?? 'a machine';

/** Heroku's browser login: the user signs in at the provider's identity provider in a browser
 *  while the CLI polls for the token the sign-in makes. */
async function ssoToken(ctx: CommandContext, apiUrl: string): Promise<string> {
  const anonymous = new ApiClient({ apiUrl, token: null, fetch: ctx.io.fetch });
  const session = await anonymous.post<SsoSessionJson>('/auth/sso/sessions', { description: `${ctx.command} CLI login from ${hostName()} (single sign-on)` });
  ctx.note(`Open this URL in a browser to log in (it works until ${session.expires_at}):`);
  ctx.note(`  ${session.browser_url}`);
  const browser = ctx.io.config.browser;
  if (browser) {
    const opened = await ctx.io.run([browser, session.browser_url], { cwd: ctx.io.cwd }).catch((err: Error) => ({ exitCode: 1, stderr: err.message }));
    if (opened.exitCode !== 0) ctx.note(`(${browser} did not open it: open the URL yourself.)`);
  }
  const poller = new ApiClient({ apiUrl, token: session.poll_secret, fetch: ctx.io.fetch });
  const deadline = Date.parse(session.expires_at);
  while (Date.now() < deadline) {
    const answer = await poller.get<SsoLoginJson>(apiPath`/auth/sso/sessions/${session.id}`);
    if (answer.status === 'done' && answer.access_token) return answer.access_token.token;
    await sleep(session.interval_seconds * 1000, undefined, { signal: ctx.io.signal });
  }
  throw new UsageError(`The browser login expired: run ${ctx.command} login --sso again.`);
}

export function registerAuthCommands(program: Command, ctx: CommandContext): void {
  jsonOption(
    program
      .command('login')
      .description('log in with your email and password or in a browser (--sso) (a new token is stored), or check and store an API token')
      .option('--api <url>', 'the Platform API URL (default: SLIPWAY_API_URL, or the one stored)')
      .option('-e, --email <email>', 'log in with this email and its password (asked for, or stdin\'s first line)')
      .option('--sso', "log in in a browser through the provider's single sign-on (opened with $BROWSER, if set)")
      .option('--token <token>', "an API token; '-' reads it from stdin (default: SLIPWAY_API_TOKEN)"),
  ).action(async (options: LoginOptions) => {
    const { config } = ctx.io;
    const apiUrl = await chosenApi(ctx, options.api);
    if ([options.email, options.sso, options.token].filter(Boolean).length > 1) throw new UsageError('Log in one way: --email, --sso or --token.');
    let token = options.email || options.sso ? undefined : (options.token ?? config.apiToken);
    if (options.sso) token = await ssoToken(ctx, apiUrl);
    if (options.email) {
      const password = await ctx.io.readSecret('Password:');
      const client = new ApiClient({ apiUrl, token: null, basic: { user: options.email, password }, fetch: ctx.io.fetch });
      const authorization = await client.post<AuthorizationJson>('/oauth/authorizations', { description: `${ctx.command} CLI login from ${hostName()}` });
      token = authorization.access_token?.token ?? undefined;
      if (!token) throw new UsageError('The API answered the login without a token.');
    }
    if (token === '-') token = (await ctx.io.readStdin()).split('\n')[0]!.trim();
    if (!token) throw new UsageError("Who? Use --email <email> (your password is asked for), --sso (in a browser), --token <token>, --token - to read it from stdin, or set SLIPWAY_API_TOKEN.");

    const account = await new ApiClient({ apiUrl, token, fetch: ctx.io.fetch }).get<AccountJson>('/account');
    await writeCredentials(config.credentialsPath, { apiUrl, token, email: account.email });
    if (options.json) ctx.printJson(account);
    else ctx.print(`Logged in to ${apiUrl} as ${account.email}`);
  });

  jsonOption(
    program
      .command('signup')
      .description('make an account (when the platform allows it): a link mailed to you confirms the address')
      .argument('<email>')
      .option('--api <url>', 'the Platform API URL (default: SLIPWAY_API_URL, or the one stored)')
      .option('--invitation <secret>', 'the invitation an operator sent you'),
  ).action(async (email: string, options: JsonOption & { api?: string; invitation?: string }) => {
    const apiUrl = await chosenApi(ctx, options.api);
    const password = await ctx.io.readSecret('Choose a password (10 characters or more):');
    const client = new ApiClient({ apiUrl, token: null, fetch: ctx.io.fetch });
    const answer = await client.post<AccountMessageJson>('/signup', { email, password, ...(options.invitation ? { invitation: options.invitation } : {}) });
    if (options.json) return ctx.printJson(answer);
    ctx.print(answer.message);
  });

  jsonOption(
    program
      .command('password:reset')
      .description('mail yourself a password reset; with --token, choose the new password')
      .argument('[email]')
      .option('--api <url>', 'the Platform API URL (default: SLIPWAY_API_URL, or the one stored)')
      .option('--token <secret>', 'the secret the reset email gave'),
  ).action(async (email: string | undefined, options: JsonOption & { api?: string; token?: string }) => {
    const client = new ApiClient({ apiUrl: await chosenApi(ctx, options.api), token: null, fetch: ctx.io.fetch });
    if (options.token) {
      const password = await ctx.io.readSecret('New password (10 characters or more):');
      const account = await client.post<AccountJson>(apiPath`/password-resets/${options.token}/actions/finalize`, { password });
      if (options.json) return ctx.printJson(account);
      return ctx.print(`New password set for ${account.email}: log in with ${ctx.command} login --email ${account.email}`);
    }
    if (!email) throw new UsageError('Whose password? Give your email, or --token <secret> from the reset email.');
    const answer = await client.post<AccountMessageJson>('/password-resets', { email });
    if (options.json) return ctx.printJson(answer);
    ctx.print(answer.message);
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
