// The contract between the build orchestration and a language buildpack.
import type Docker from 'dockerode';
import type { ContributedLayer } from './app-image.js';
import type { BuilderConfig } from './config.js';
import type { BuildLog } from './log.js';
import type { Stack } from './stack/ensure.js';
import type { PhaseTimer } from './timings.js';

export interface BuildContext {
  docker: Docker;
  config: BuilderConfig;
  stack: Stack;
  appName: string;
  /** this app's own cache directory (keyed by the app's id: a name is reused after a delete) */
  appCacheDir: string;
  buildId: string;
  /** the unpacked source on this host, owned by the app user; mounted at /app in build containers */
  appDir: string;
  rootFiles: ReadonlySet<string>;
  /** the config vars, one file each (Heroku's ENV_DIR); mounted at ENV_DIR in build containers */
  envDir: string;
  log: BuildLog;
  signal?: AbortSignal;
  timer: PhaseTimer;
}

/**
 * A language buildpack: how it recognises an app and how it builds one. Each lives in its own
 * folder (`nodejs/`) and has one line in the list (`list.ts`); nothing else names it.
 */
export interface Buildpack {
  /** stable id recorded on the build */
  id: string;
  /** what the log says: "Node.js app detected" */
  language: string;
  /** what an app needs for detect() to say yes, for the hint when nothing does */
  needs: string;
  detect(rootFiles: ReadonlySet<string>): boolean;
  build(ctx: BuildContext): Promise<BuildpackOutput>;
}

export interface BuildpackOutput {
  processTypes: Record<string, string>;
  /** layers between the stack and the app, bottom first */
  contributed: ContributedLayer[];
  /** the app image's environment */
  env: string[];
  /** what was chosen (e.g. versions), for the outcome */
  versions: Record<string, string>;
  /** top-level paths of /app that a contributed layer already holds (left out of the app layer) */
  appLayerExcludes?: string[];
}
