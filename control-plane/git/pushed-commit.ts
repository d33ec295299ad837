// The commit a push deploys, as a tar: `git archive` reads it from the push's quarantine (where
// git keeps the pushed objects until the pre-receive hook exits 0) and the app's repository.
import { spawn } from 'node:child_process';
import { basename, dirname, join, resolve } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';

/** git's names for a push's quarantine directory, under the repository's objects/. */
const QUARANTINE_NAME = /^(?:tmp_objdir-)?incoming-[A-Za-z0-9_-]+$/;

/**
 * Pure: git's environment to read the pushed objects of `repoDir` (its quarantine first, then
 * the objects it has), or why the given quarantine is refused (one outside this repository).
 * An empty quarantine: the push brought no objects, all are in the repository already.
 */
export function pushedObjectsEnv(repoDir: string, quarantine: string): Record<string, string> | { refused: string } {
  const gitDir = resolve(repoDir);
  const objects = join(gitDir, 'objects');
  if (quarantine === '') return { GIT_DIR: gitDir };
  const path = resolve(quarantine);
  if (dirname(path) !== objects || !QUARANTINE_NAME.test(basename(path))) {
    return { refused: 'The push hook named a quarantine outside the app\'s repository.' };
  }
  return { GIT_DIR: gitDir, GIT_OBJECT_DIRECTORY: path, GIT_ALTERNATE_OBJECT_DIRECTORIES: objects };
}

/**
 * `git archive` of `rev` with `objectsEnv`: the tar ends only once git has exited 0, so a failed
 * archive is an error on the stream, never a short tar taken for the source. `stop` ends git
 * (a deploy that finished without reading it all).
 */
export function archiveCommit(objectsEnv: Record<string, string>, rev: string): { tar: Readable; stop: () => void } {
  const git = spawn('git', ['archive', '--format=tar', rev], {
    env: { PATH: process.env.PATH, GIT_CONFIG_NOSYSTEM: '1', ...objectsEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tar = new PassThrough();
  let stderr = '';
  git.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  git.stdout.pipe(tar, { end: false });
  git.on('error', (err) => tar.destroy(err));
  git.on('close', (code, signal) => {
    if (code === 0) tar.end();
    else tar.destroy(new Error(`git archive ${rev} failed (${signal ?? `exit ${code}`}): ${stderr.trim().split('\n').pop() ?? ''}`));
  });
  return { tar, stop: () => void git.kill('SIGTERM') };
}
