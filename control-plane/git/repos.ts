// Bare git repositories, one per app, all sharing one hooks directory whose pre-receive hook
// hands the pushed commit to the control plane for building. Each is named by the app's id,
// not its name: a deleted app's name can be taken again, and the new app must start empty.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { preReceiveHookScript } from './pre-receive-hook.js';

const run = promisify(execFile);

export function repoPath(gitRoot: string, appId: string): string {
  return join(gitRoot, `${appId}.git`);
}

export function hooksDir(gitRoot: string): string {
  return join(gitRoot, '.hooks');
}

export function initArgv(dir: string): string[][] {
  return [
    ['git', 'init', '--quiet', '--bare', '--initial-branch=main', dir],
    ['git', '-C', dir, 'config', 'http.receivepack', 'true'],
  ];
}

export class GitRepos {
  constructor(private readonly gitRoot: string) {}

  /** Writes the shared hook (at every start, so it follows the installed code). */
  async prepare(): Promise<void> {
    const dir = hooksDir(this.gitRoot);
    await mkdir(dir, { recursive: true });
    const hook = join(dir, 'pre-receive');
    await writeFile(hook, preReceiveHookScript());
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
