// The stack's dealings with the local Docker Engine: inspect, import a root filesystem, pull.
import { spawn } from 'node:child_process';
import type Docker from 'dockerode';
import type { DockerAuthConfig } from '../../common/registry-auth.js';
import { StackError } from '../errors.js';
import { tarRootfsArgv } from './commands.js';

export interface LocalImage {
  id: string;
  /** diff_ids of the image's layers, bottom first */
  diffIds: string[];
  labels: Record<string, string>;
  /** ISO 8601 */
  created: string;
}

/** The image's identity, or null when the engine does not have it. */
export async function inspectLocalImage(docker: Docker, ref: string): Promise<LocalImage | null> {
  try {
    const info = await docker.getImage(ref).inspect();
    return { id: info.Id, diffIds: info.RootFS?.Layers ?? [], labels: info.Config?.Labels ?? {}, created: info.Created };
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return null;
    throw err;
  }
}

function followProgress(docker: Docker, stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve()));
  });
}

/** `tar` of `root` streamed into `docker import`, tagged `repository:tag`. */
export async function importRootfs(
  docker: Docker,
  root: string,
  repository: string,
  tag: string,
  changes: string[],
): Promise<void> {
  const [command, ...args] = tarRootfsArgv(root) as [string, ...string[]];
  const tar = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  tar.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const tarExit = new Promise<number | null>((resolve) => tar.once('close', (code) => resolve(code)));
  try {
    const progress = await docker.importImage(tar.stdout, { repo: repository, tag, changes } as object);
    await followProgress(docker, progress);
  } catch (err) {
    tar.kill('SIGKILL');
    throw new StackError(`docker import of ${repository}:${tag} failed`, err);
  }
  const code = await tarExit;
  if (code !== 0) throw new StackError(`tar of ${root} failed with exit code ${code}: ${stderr.trim()}`);
}

/**
 * Pulls `ref` (an operator-configured stack image) unless the engine has it already.
 * `authFor` gives the Engine's auth config for it (asked only when pulling: credentials are read at each use).
 */
export async function ensurePulled(
  docker: Docker,
  ref: string,
  log: (line: string) => void,
  authFor: () => Promise<DockerAuthConfig | undefined> = async () => undefined,
): Promise<LocalImage> {
  const present = await inspectLocalImage(docker, ref);
  if (present) return present;
  log(`pulling ${ref}`);
  try {
    const authconfig = await authFor();
    await followProgress(docker, await docker.pull(ref, authconfig ? { authconfig } : {}));
  } catch (err) {
    throw new StackError(`cannot pull the configured stack image ${ref}`, err);
  }
  const pulled = await inspectLocalImage(docker, ref);
  if (!pulled) throw new StackError(`${ref} is missing right after it was pulled`);
  return pulled;
}
