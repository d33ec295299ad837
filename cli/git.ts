// git as data: argv arrays for the commands the CLI runs, the credential helper's protocol,
// and the app name in a git URL. Pure functions; runner.ts executes the argv elsewhere.
import { shellQuote } from './format.js';

export const DEFAULT_REMOTE = 'slipway';
/** git accepts any user name: the token is the password (see docs/architecture.md). */
export const GIT_USERNAME = 'slipway';

export const gitCommands = {
  isRepository: () => ['git', 'rev-parse', '--git-dir'],
  remoteUrl: (remote: string) => ['git', 'remote', 'get-url', remote],
  addRemote: (remote: string, url: string) => ['git', 'remote', 'add', remote, url],
  setRemoteUrl: (remote: string, url: string) => ['git', 'remote', 'set-url', remote, url],
  /** Exit code 5 means there was nothing to unset: not a failure. */
  unsetCredentialHelpers: (url: string) => ['git', 'config', '--local', '--unset-all', credentialHelperKey(url)],
  addCredentialHelper: (url: string, helper: string) => ['git', 'config', '--local', '--add', credentialHelperKey(url), helper],
} as const;

export const GIT_CONFIG_NOTHING_TO_UNSET = 5;

export function credentialHelperKey(url: string): string {
  return `credential.${url}.helper`;
}

/**
 * The helper git runs for the app's URL: `!` makes git run it through the shell, so each
 * word is quoted (paths may hold spaces). `command` is the argv that runs this CLI.
 */
export function credentialHelperValue(command: readonly string[]): string {
  return `!${[...command, 'git:credentials'].map(shellQuote).join(' ')}`;
}

/**
 * The commands that make git ask only our helper for `url`: an empty value first resets
 * any helpers configured elsewhere (e.g. a global `store`) for this URL.
 */
export function credentialHelperCommands(url: string, command: readonly string[]): string[][] {
  return [gitCommands.unsetCredentialHelpers(url), gitCommands.addCredentialHelper(url, ''), gitCommands.addCredentialHelper(url, credentialHelperValue(command))];
}

/** `https://git.example.com/my-app.git` → `my-app`; null if the URL names no app. */
export function appFromGitUrl(url: string): string | null {
  const match = /\/([a-z][a-z0-9-]*)\.git\/?$/.exec(url.trim());
  return match ? match[1]! : null;
}

/** The answer to `get`: a user name and the token as the password. */
export function credentialResponse(token: string): string {
  if (/[\n\0]/.test(token)) throw new Error('a token cannot contain a newline or NUL');
  return `username=${GIT_USERNAME}\npassword=${token}\n`;
}
