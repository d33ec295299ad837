// Bare git repositories, one per app, all sharing one hooks directory whose pre-receive hook
// hands the pushed commit to the control plane for building. Each is named by the app's id,
// not its name: a deleted app's name can be taken again, and the new app must start empty.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export function repoPath(gitRoot: string, appId: string): string {
  return join(gitRoot, `${appId}.git`);
}

export function hooksDir(gitRoot: string): string {
  return join(gitRoot, '.hooks');
}

/** Single-quotes a path for /bin/sh (our own install paths, never user input). */
function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** The pre-receive hook: runs the compiled hook script with the platform's Node. */
export function preReceiveHook(nodePath: string, hookScript: string): string {
  return `#!/bin/sh\nexec ${shellQuote(nodePath)} ${shellQuote(hookScript)}\n`;
}

export function initArgv(dir: string): string[][] {
  return [
    ['git', 'init', '--quiet', '--bare', '--initial-branch=main', dir],
    ['git', '-C', dir, 'config', 'http.receivepack', 'true'],
  ];
}

export class GitRepos {
  constructor(private readonly gitRoot: string, private readonly nodePath: string, private readonly hookScript: string) {}

  /** Writes the shared hook (at every start, so it follows the installed code). */
  async prepare(): Promise<void> {
    const dir = hooksDir(this.gitRoot);
    await mkdir(dir, { recursive: true });
    const hook = join(dir, 'pre-receive');
    await writeFile(hook, preReceiveHook(this.nodePath, this.hookScript));
    await chmod(hook, 0o755);
  }

  async ensure(appId: string): Promise<string> {
    const dir = repoPath(this.gitRoot, appId);
    if (existsSync(join(dir, 'HEAD'))) return dir;
    for (const argv of initArgv(dir)) await run(argv[0]!, argv.slice(1));
    await run('git', ['-C', dir, 'config', 'core.hooksPath', hooksDir(this.gitRoot)]);
    return dir;
  }

  async remove(appId: string): Promise<void> {
    await rm(repoPath(this.gitRoot, appId), { recursive: true, force: true });
  }
}
