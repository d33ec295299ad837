// What every command needs: output (human or JSON), credentials, an API client, and the app
// the command is about (-a, SLIPWAY_APP, or the git remote, in that order).
import type { Command } from 'commander';
import { ApiClient } from './api-client.js';
import { readCredentials, resolveCredentials, type Credentials } from './credentials.js';
import { CliError, NotLoggedInError } from './errors.js';
import { appFromGitUrl, gitCommands } from './git.js';
import type { CliIo } from './io.js';
import { withSpinner } from './progress.js';

export interface AppOptions {
  app?: string;
  remote?: string;
}

export interface JsonOption {
  json?: boolean;
}

export class CommandContext {
  /** Set by a command whose exit code is not its own (`run` exits with the remote command's). */
  exitCode: number | null = null;

  constructor(readonly io: CliIo) {}

  /** The command users type (`slipway`, or the provider's): for hints that name a command. */
  get command(): string {
    return this.io.config.brand.cliCommand;
  }

  /** The platform's name (the provider's brand). */
  get platform(): string {
    return this.io.config.brand.name;
  }

  print(...lines: string[]): void {
    if (lines.length > 0) this.io.stdout(`${lines.join('\n')}\n`);
  }

  printJson(value: unknown): void {
    this.io.stdout(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** A note for people (progress, hints): stderr, so stdout stays clean for pipes. */
  note(line: string): void {
    this.io.stderr(`${line}\n`);
  }

  /** Runs a long operation under a spinner on the user's terminal (cli/progress.ts). */
  step<T>(label: string, work: () => Promise<T>): Promise<T> {
    return withSpinner(this.io.progress, label, work);
  }

  async credentials(): Promise<Credentials> {
    const stored = await readCredentials(this.io.config.credentialsPath);
    const credentials = resolveCredentials(this.io.config, stored);
    if (!credentials) throw new NotLoggedInError(this.command);
    return credentials;
  }

  async api(): Promise<ApiClient> {
    return this.client(await this.credentials());
  }

  client(credentials: Credentials): ApiClient {
    return new ApiClient({ apiUrl: credentials.apiUrl, token: credentials.token, fetch: this.io.fetch });
  }

  async app(options: AppOptions): Promise<string> {
    if (options.app) return options.app;
    if (this.io.config.app) return this.io.config.app;
    const remote = options.remote ?? this.command;
    const result = await this.io.run(gitCommands.remoteUrl(remote), { cwd: this.io.cwd }).catch(() => null);
    const fromRemote = result && result.exitCode === 0 ? appFromGitUrl(result.stdout) : null;
    if (fromRemote) return fromRemote;
    throw new CliError(`No app specified: use -a <app>, or run this in a git repository with a \`${remote}\` remote (${this.command} git:remote -a <app>).`);
  }
}

/** Adds -a/--app and -r/--remote, the options of every command about one app. */
export function appOptions(command: Command): Command {
  return command
    .option('-a, --app <app>', 'the app (default: from the git remote, or SLIPWAY_APP)')
    .option('-r, --remote <remote>', 'the git remote to find the app in (default: named as this command)');
}

export function jsonOption(command: Command): Command {
  return command.option('--json', 'print JSON');
}
