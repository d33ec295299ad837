// Cutting releases: after a build, after a config change, and on rollback. A new release
// becomes current and the scheduler rolls it out. One app's releases are cut one at a time,
// each reading the config it copies under the same turn, so two concurrent config changes
// cannot leave the current release without a var the app's config has.
// A release whose code defines a `release` process (Heroku's release phase) is cut pending:
// its command runs once in a one-off container of the new image with the new config, and only
// if it exits 0 does the release become current and roll out; otherwise it is failed and the
// previous release keeps serving. The phase runs inside the app's turn, so the next release
// of the app is cut only after it has settled.
import { InvalidParamsError, NotFoundError, SlipwayError } from '../../common/errors.js';
import { KeyedSerializer } from '../../common/keyed-serializer.js';
import { containerReleaseCode, imageOf, imagesOf, type ReleasedImage } from '../../common/release-images.js';
import type { HealthCheck } from '../../common/health-check.js';
import type { App, ImageRef, Release } from '../../common/types.js';
import type { AppStore } from '../store/apps.js';
import type { ReleaseStore } from '../store/releases.js';
import { applyConfigChanges, configLimitViolation, type ConfigLimits } from './config-limits.js';
import { keptDigests } from '../images/plan.js';
import type { OneOffOutcome } from '../one-offs/runner.js';

/** Heroku's name for the process type that runs as the release phase (never scaled). */
export const RELEASE_PROCESS_TYPE = 'release';

/** Pure: the release phase's command, when the release has one to run (it needs an image). */
export function releasePhaseCommand(release: Pick<Release, 'image' | 'processImages' | 'processTypes'>): string | null {
  return imageOf(release, RELEASE_PROCESS_TYPE) ? (release.processTypes[RELEASE_PROCESS_TYPE] ?? null) : null;
}

/** Pure: the process types that get a formation (and so can be scaled): all but `release`. */
export function scalableProcessTypes(processTypes: Record<string, string>): string[] {
  return Object.keys(processTypes).filter((type) => type !== RELEASE_PROCESS_TYPE);
}

/** Where the output of a release phase goes, line by line (the push, for a deploy). */
export type PhaseOutput = (line: string) => void;

export interface ReleaseHooks {
  /** Tags the release's image `v<N>` in the registry. */
  tagImage(image: ImageRef, tag: string): Promise<void>;
  /** Asks the scheduler to converge the app now. */
  rollOut(appId: string): void;
  /** Runs a release phase's command in a one-off container of the release; a failure to start
   *  rejects (a SlipwayError's message is shown to the user). */
  runReleasePhase(app: App, release: Release, command: string, output: PhaseOutput): Promise<OneOffOutcome>;
  /** Something went wrong where no caller waits (a config change's release phase). */
  warn(message: string, context: Record<string, unknown>): void;
  /** The web dynos a first release starts (default 1; 0 when the owner's plan has no room). */
  firstWebQuantity?(app: App): Promise<number>;
}

/** What a successful build hands the releaser. */
export interface BuiltCode {
  id: string;
  image: ImageRef;
  processTypes: Record<string, string>;
  sourceVersion: string;
  /** The stack it was built on. */
  stack: string;
  /** Health checks by process type, from app.json. */
  healthChecks?: Record<string, HealthCheck>;
}

/** An image a user pushed to the registry themselves (Heroku's container release). */
export interface PushedCode {
  /** By process type: the pushed image and the command it runs. */
  images: Record<string, ReleasedImage>;
  description: string;
}

export class Releaser {
  private readonly appTurns = new KeyedSerializer();

  constructor(
    private readonly apps: AppStore,
    private readonly releases: ReleaseStore,
    private readonly hooks: ReleaseHooks,
    private readonly configLimits: ConfigLimits,
    /** Releases per app whose images the registry keeps (control-plane/images); older ones cannot be rolled back to. */
    private readonly keepImagesOf = Number.POSITIVE_INFINITY,
  ) {}

  /** Cuts the build's release and settles it: a release phase runs first (its lines to
   *  `phaseOutput`); the release returned is succeeded (and rolling out) or failed. */
  fromBuild(app: App, build: BuiltCode, phaseOutput: PhaseOutput = () => {}): Promise<Release> {
    return this.appTurns.run(app.id, async () => {
      const release = await this.cutFromBuild(app, build);
      await this.tag(release);
      return this.finish(app, release, phaseOutput);
    });
  }

  /** Cuts the release of a pushed image (no build, no stack of ours) and settles it as fromBuild does. */
  fromImage(app: App, pushed: PushedCode, phaseOutput: PhaseOutput = () => {}): Promise<Release> {
    return this.appTurns.run(app.id, async () => {
      const current = await this.releases.current(app.id);
      const code = containerReleaseCode(current, pushed.images);
      const release = await this.releases.create(app.id, {
        ...code,
        config: await this.apps.config(app.id),
        description: pushed.description,
        buildId: null,
        stack: null,
        healthChecks: current?.healthChecks ?? {},
        status: this.initialStatus(code),
      });
      await this.tag(release);
      return this.finish(app, release, phaseOutput);
    });
  }

  /** Sets (string) and unsets (null) config vars and cuts the release that carries them (Heroku cuts one too).
   *  A change that would exceed a config limit changes nothing (checked in the app's turn, so
   *  two changes each under the limit cannot together pass it). */
  changeConfig(app: App, changes: Record<string, string | null>, description: string): Promise<{ config: Record<string, string>; release: Release }> {
    return this.cutThenSettle(app, async () => {
      const current = await this.apps.config(app.id);
      const violation = configLimitViolation(current, changes, this.configLimits);
      if (violation) throw new SlipwayError('config_limit_exceeded', violation, { status: 422 });
      const config = applyConfigChanges(current, changes);
      const release = await this.cutFromConfigChange(app, changes, config, description);
      return { result: { config, release }, release };
    });
  }

  /** A new release copying an old one's code and config. */
  rollback(app: App, version: number): Promise<Release> {
    return this.cutThenSettle(app, async () => {
      const release = await this.cutRollback(app, version);
      return { result: release, release };
    });
  }

  /** Cuts a release in the app's turn and answers as soon as it is cut (pending, when it has a
   *  release phase: Heroku answers a config change so too); the phase runs on in the same turn,
   *  its output in the app's log only. */
  private cutThenSettle<T>(app: App, cut: () => Promise<{ result: T; release: Release }>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      void this.appTurns.run(app.id, async () => {
        let made;
        try {
          made = await cut();
          // Tagged before the answer: whoever hears of the release finds its image under its tag.
          await this.tag(made.release);
        } catch (err) {
          reject(err);
          return;
        }
        resolve(made.result);
        await this.finish(app, made.release, () => {}).catch((err: unknown) =>
          this.hooks.warn('settling a release failed', { err, app: app.name, version: made.release.version }),
        );
      });
    });
  }

  private async cutFromBuild(app: App, build: BuiltCode): Promise<Release> {
    const config = await this.apps.config(app.id);
    const release = await this.releases.create(app.id, {
      image: build.image,
      processTypes: build.processTypes,
      config,
      description: `Deploy ${build.sourceVersion.slice(0, 8)}`,
      buildId: build.id,
      stack: build.stack,
      healthChecks: build.healthChecks ?? {},
      status: this.initialStatus(build),
    });
    return release;
  }

  /** Config vars changed: same code, new config, written with the release in one transaction
   *  (a write Redis refuses, e.g. at its memory limit, leaves neither). */
  private async cutFromConfigChange(app: App, changes: Record<string, string | null>, config: Record<string, string>, description: string): Promise<Release> {
    const current = await this.releases.current(app.id);
    const release = await this.releases.create(
      app.id,
      {
        image: current?.image ?? null,
        processTypes: current?.processTypes ?? {},
        processImages: current?.processImages,
        config,
        description,
        buildId: current?.buildId ?? null,
        stack: current?.stack ?? null,
        healthChecks: current?.healthChecks ?? {},
        status: this.initialStatus({ image: current?.image ?? null, processTypes: current?.processTypes ?? {} }),
      },
      (multi) => this.apps.queueConfigChanges(multi, app.id, changes),
    );
    return release;
  }

  private async cutRollback(app: App, version: number): Promise<Release> {
    const target = await this.releases.get(app.id, version);
    if (!target) throw new NotFoundError(`Release v${version} not found for ${app.name}.`);
    if (target.image) {
      const latest = await this.releases.current(app.id);
      const kept = keptDigests({ repository: target.image.repository, releases: await this.releases.list(app.id), currentVersion: latest?.version ?? null, building: false }, this.keepImagesOf);
      if (!imagesOf(target).every((image) => kept.has(image.digest))) {
        throw new InvalidParamsError(`v${target.version} is older than the ${this.keepImagesOf} releases whose code is kept: its image was collected. Deploy that code again instead.`);
      }
    }
    const current = await this.apps.config(app.id);
    const unset = Object.fromEntries(Object.keys(current).filter((k) => !Object.hasOwn(target.config, k)).map((k) => [k, null]));
    const release = await this.releases.create(
      app.id,
      {
        image: target.image,
        processTypes: target.processTypes,
        processImages: target.processImages,
        config: target.config,
        description: `Rollback to v${target.version}`,
        buildId: target.buildId,
        stack: target.stack ?? null,
        healthChecks: target.healthChecks ?? {},
        status: this.initialStatus(target),
      },
      (multi) => this.apps.queueConfigChanges(multi, app.id, { ...unset, ...target.config }),
    );
    return release;
  }

  private initialStatus(code: Pick<Release, 'image' | 'processImages' | 'processTypes'>): Release['status'] {
    return releasePhaseCommand(code) === null ? 'succeeded' : 'pending';
  }

  /** Runs the release phase of a pending release and records how it ended. */
  private async runPhase(app: App, release: Release, output: PhaseOutput): Promise<Release> {
    const command = releasePhaseCommand(release)!;
    let outcome: OneOffOutcome;
    try {
      outcome = await this.hooks.runReleasePhase(app, release, command, output);
    } catch (err) {
      if (!(err instanceof SlipwayError)) this.hooks.warn('the release phase could not run', { err, app: app.name, version: release.version });
      outcome = { exitCode: null, reason: err instanceof SlipwayError ? err.message : 'internal error while starting the release command' };
    }
    if (outcome.exitCode === 0) return this.releases.settle(app.id, release.version, 'succeeded');
    return this.releases.settle(app.id, release.version, 'failed', `Release command failed: ${outcome.reason}.`);
  }

  /** Tags the release's image `v<N>` in the registry (before anyone hears of the release). */
  private async tag(release: Release): Promise<void> {
    for (const image of imagesOf(release)) await this.hooks.tagImage(image, `v${release.version}`);
  }

  /** Settles a tagged release: its release phase first, if it has one; then the rollout. */
  private async finish(app: App, cut: Release, phaseOutput: PhaseOutput): Promise<Release> {
    const release = cut.status === 'pending' ? await this.runPhase(app, cut, phaseOutput) : cut;
    if (release.status === 'failed') return release;
    // Heroku: the app's stack is the one its current release was built on (a rollback too).
    if (release.stack) await this.apps.setStack(app.id, release.stack);
    const webQuantity = this.hooks.firstWebQuantity ? await this.hooks.firstWebQuantity(app) : 1;
    await this.apps.ensureFormationFor(app.id, scalableProcessTypes(release.processTypes), webQuantity);
    this.hooks.rollOut(app.id);
    return release;
  }
}
