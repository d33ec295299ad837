// pg:psql and redis:cli (Heroku's, which run the clients on the user's machine): here the client
// runs on the platform, in an attached one-off of the app from the add-on's image, joined like
// `run`. With SQL (`-c`) or a Redis command it runs once, prints and exits with the client's code.
import type { Command } from 'commander';
import { apiPath } from '../api-client.js';
import { appOptions, type AppOptions, type CommandContext } from '../context.js';
import { CliError } from '../errors.js';
import { attach, runExitCode, terminalSize } from './run.js';

/** Pure: `redis:cli [addon] [command…]`'s words split: the first is the add-on when it names one
 *  (REDIS, HEROKU_REDIS_AMBER, with or without _URL, or an add-on's name), never a Redis command. */
export function splitRedisCliWords(words: readonly string[]): { addon?: string; command: string[] } {
  const [first, ...rest] = words;
  if (first !== undefined && (/^(REDIS|HEROKU_REDIS_[A-Z]+)(_URL)?$/.test(first) || /^redis-[a-z]+-\d{5}$/.test(first))) return { addon: first, command: rest };
  return { command: [...words] };
}

export function registerAddonClientCommands(program: Command, ctx: CommandContext): void {
  const run = async (app: string, body: Record<string, unknown>) => {
    const terminal = ctx.io.terminal;
    if (!terminal) throw new CliError('This needs a terminal.');
    const dyno = await (await ctx.api()).post<{ name: string; command: string; attach_url: string; attach_websocket_url?: string }>(apiPath`/apps/${app}/addon-clients`, { ...body, tty: terminalSize(terminal.output, process.env) });
    ctx.note(`Running ${dyno.command} on ${app}... up, ${dyno.name}`);
    ctx.exitCode = runExitCode(await attach(dyno.attach_websocket_url ?? dyno.attach_url, terminal));
  };

  appOptions(
    program
      .command('pg:psql')
      .description("psql on the app's PostgreSQL add-on (run on the platform, as the app's dynos reach it)")
      .argument('[database]', 'the attachment (DATABASE, HEROKU_POSTGRESQL_AMBER) or add-on (default: DATABASE)')
      .option('-c, --command <sql>', 'run this SQL, print the result and exit with psql’s code'),
  ).action(async (database: string | undefined, options: AppOptions & { command?: string }) => {
    const app = await ctx.app(options);
    await run(app, { service: 'postgresql', ...(database ? { addon: database } : {}), ...(options.command !== undefined ? { sql: options.command } : {}) });
  });

  appOptions(
    program
      .command('redis:cli')
      .description("redis-cli on the app's Redis add-on (run on the platform); a command after it runs once (`redis:cli GET key`)")
      .argument('[words...]', 'the add-on (REDIS, HEROKU_REDIS_AMBER; default REDIS), then a Redis command and its arguments (`--` before options)'),
  ).action(async (words: string[], options: AppOptions) => {
    const app = await ctx.app(options);
    const { addon, command } = splitRedisCliWords(words);
    await run(app, { service: 'redis', ...(addon ? { addon } : {}), ...(command.length > 0 ? { words: command } : {}) });
  });
}
