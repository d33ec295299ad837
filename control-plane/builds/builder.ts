// The control plane's view of the builder: a port, so the pipeline can be unit-tested with a
// fake; the real adapter over buildpacks/ lives in buildpacks-builder.ts.
import type { AddonPlan, AddonService } from '../../common/addons.js';
import type { HealthCheck } from '../../common/health-check.js';
import type { ImageRef } from '../../common/types.js';

export interface BuildInput {
  buildId: string;
  appName: string;
  appId: string;
  /** The stack to build on, by name ('bookworm', 'trixie'): the app's build stack. */
  stack: string;
  /** A tar archive of the source (from `git archive`). */
  source: NodeJS.ReadableStream;
  /** A returned promise means the pusher is behind: the next line waits for it. */
  log: (line: string) => void | Promise<void>;
  signal?: AbortSignal;
  /** The app's buildpack installations in order (URLs or names); empty: detection. */
  buildpacks: readonly string[];
  /** The app's config vars, for the build's ENV_DIR (secrets). */
  configVars: Readonly<Record<string, string>>;
}

export interface BuildOutput {
  image: ImageRef;
  processTypes: Record<string, string>;
  /** Health checks by process type, from app.json (none: absent or empty). */
  healthChecks?: Record<string, HealthCheck>;
  buildpack: string;
  stack: string;
}

export interface Builder {
  /** Whether builds on the default stack can start now (it is in place); the API says so while it is not. */
  readonly ready: boolean;
  /** Gets the builder ready (the default stack: minutes the first time, then cached); safe to
   *  call many times. Builds wait for it anyway; calling it at start-up makes the first one fast.
   *  Other stacks are prepared by the first build that uses them. */
  prepare(): Promise<unknown>;
  build(input: BuildInput): Promise<BuildOutput>;
  tagImage(image: ImageRef, tag: string): Promise<void>;
  /** An add-on service's server image on the default stack, built once from Debian's packages
   *  and pushed to the registry; absent for builders that make none (then no add-on can be made). */
  addonImage?(service: AddonService, plan?: AddonPlan): Promise<ImageRef>;
  /** Removes what a build left running (its containers) when its control plane died mid-build;
   *  absent for builders that run none. */
  removeBuildLeftovers?(buildId: string): Promise<void>;
  /** Stops what the builder prepares in the background (a stack's build: minutes of debootstrap
   *  and apt) and waits until it has stopped; absent for builders that prepare nothing. */
  close?(): Promise<void>;
}

/** A build that failed for a reason the user can act on (the message says it). */
export class BuildFailedError extends Error {
  override name = 'BuildFailedError';
  /** True when the builder already wrote the reason to the build log (the push shows it once). */
  readonly logged: boolean;

  constructor(message: string, options: { cause?: unknown; logged?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.logged = options.logged ?? false;
  }
}
