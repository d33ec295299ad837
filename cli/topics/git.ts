// git:remote, and the hidden git:credentials that git runs as its credential helper.
import type { Command } from 'commander';
import { apiPath } from '../api-client.js';
import type { AppJson } from '../../common/api-shapes.js';
import { appOptions, jsonOption, type AppOptions, type CommandContext, type JsonOption } from '../context.js';
import { CliError } from '../errors.js';
import { appFromGitUrl, credentialHelperCommands, credentialResponse, GIT_CONFIG_NOTHING_TO_UNSET, gitCommands } from '../git.js';
import { runChecked } from '../runner.js';

/** Points `remote` at `url` (adding it if missing) with git's credential helper for it; returns the URL it had (null: none). */
export async function pointRemote(ctx: CommandContext, remote: string, url: string): Promise<string | null> {
  const { io } = ctx;
  const existing = await io.run(gitCommands.remoteUrl(remote), { cwd: io.cwd });
  const previous = existing.exitCode === 0 ? existing.stdout.trim() : null;
  if (previous === null) await runChecked(io.run, gitCommands.addRemote(remote, url), io.cwd);
  else if (previous !== url) await runChecked(io.run, gitCommands.setRemoteUrl(remote, url), io.cwd);
  const [unset, ...add] = credentialHelperCommands(url, io.self);
  const unsetResult = await io.run(unset!, { cwd: io.cwd });
  if (unsetResult.exitCode !== 0 && unsetResult.exitCode !== GIT_CONFIG_NOTHING_TO_UNSET) {
    throw new CliError(`Could not configure git's credential helper: ${unsetResult.stderr.trim()}`);
  }
  for (const argv of add) await runChecked(io.run, argv, io.cwd);
  return previous;
}

/** The app a git remote of the current repository deploys to, or null. */
export async function remoteApp(ctx: CommandContext, remote: string): Promise<string | null> {
  const result = await ctx.io.run(gitCommands.remoteUrl(remote), { cwd: ctx.io.cwd }).catch(() => null);
  return result && result.exitCode === 0 ? appFromGitUrl(result.stdout) : null;
}

export function registerGitCommands(program: Command, ctx: CommandContext): void {
  const { io } = ctx;
  jsonOption(
    appOptions(
      program
        .command('git:remote')
        .description("add (or update) a git remote for the app, and let git authenticate with your token"),
    ),
  ).action(async (options: AppOptions & JsonOption) => {
    const remote = options.remote ?? ctx.command;
    const app = await ctx.app(options);
    const { git_url: url } = await (await ctx.api()).get<AppJson>(apiPath`/apps/${app}`);
    const inRepo = await io.run(gitCommands.isRepository(), { cwd: io.cwd });
    if (inRepo.exitCode !== 0) throw new CliError(`${io.cwd} is not in a git repository: run git init first.`);
    const previous = await pointRemote(ctx, remote, url);
    if (options.json) return ctx.printJson({ remote, url, app });
    const verb = previous === null ? 'Added' : previous === url ? 'Kept' : 'Updated';
    ctx.print(`${verb} git remote ${remote}: ${url}`, `git authenticates to it with your ${ctx.platform} token: git push ${remote} main`);
  });

  // git's credential helper protocol: git writes attributes to stdin, we answer `get` with
  // the token as the password; `store` and `erase` are ours to ignore (the token lives in
  // the credentials file, not in git).
  program
    .command('git:credentials', { hidden: true })
    .argument('<operation>', 'get, store or erase')
    .action(async (operation: string) => {
      await io.readStdin();
      if (operation !== 'get') return;
      const { token } = await ctx.credentials();
      io.stdout(credentialResponse(token));
    });
}
