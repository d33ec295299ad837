// The contract between the build orchestration and a language buildpack.
import type Docker from 'dockerode';
import type { ContributedLayer } from './app-image.js';
import type { LayerBlob } from './oci/blob.js';
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
  /**
   * Set when this buildpack runs as the build step of another (a static site's Node.js build):
   * the id of that one, which provides the process types.
   */
  buildStepOf?: string;
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
  /** layers between the stack and the app, bottom first; one may still be being written (the
   *  build awaits it just before the image is assembled) */
  contributed: ContributedLayer<LayerBlob | Promise<LayerBlob>>[];
  /** the app image's environment */
  env: string[];
  /** what was chosen (e.g. versions), for the outcome */
  versions: Record<string, string>;
  /**
   * Paths relative to the app (and everything under them) left out of the app layer because a
   * contributed layer holds them (e.g. node_modules); `.git` is always left out.
   */
  appLayerExclude?: readonly string[];
}
