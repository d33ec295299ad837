// Cutting releases: after a build, after a config change, and on rollback. A new release
// becomes current and the scheduler rolls it out. One app's releases are cut one at a time,
// each reading the config it copies under the same turn, so two concurrent config changes
// cannot leave the current release without a var the app's config has.
import { InvalidParamsError, NotFoundError, SlipwayError } from '../../common/errors.js';
import { KeyedSerializer } from '../../common/keyed-serializer.js';
import type { App, ImageRef, Release } from '../../common/types.js';
import type { AppStore } from '../store/apps.js';
import type { ReleaseStore } from '../store/releases.js';
import { applyConfigChanges, configLimitViolation, type ConfigLimits } from './config-limits.js';
import { keptDigests } from '../images/plan.js';

export interface ReleaseHooks {
  /** Tags the release's image `v<N>` in the registry. */
  tagImage(image: ImageRef, tag: string): Promise<void>;
  /** Asks the scheduler to converge the app now. */
  rollOut(appId: string): void;
}

/** What a successful build hands the releaser. */
export interface BuiltCode {
  id: string;
  image: ImageRef;
  processTypes: Record<string, string>;
  sourceVersion: string;
  /** The stack it was built on. */
  stack: string;
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

  fromBuild(app: App, build: BuiltCode): Promise<Release> {
    return this.appTurns.run(app.id, () => this.cutFromBuild(app, build));
  }

  /** Sets (string) and unsets (null) config vars and cuts the release that carries them (Heroku cuts one too).
   *  A change that would exceed a config limit changes nothing (checked in the app's turn, so
   *  two changes each under the limit cannot together pass it). */
  changeConfig(app: App, changes: Record<string, string | null>, description: string): Promise<{ config: Record<string, string>; release: Release }> {
    return this.appTurns.run(app.id, async () => {
      const current = await this.apps.config(app.id);
      const violation = configLimitViolation(current, changes, this.configLimits);
      if (violation) throw new SlipwayError('config_limit_exceeded', violation, { status: 422 });
      const config = applyConfigChanges(current, changes);
      return { config, release: await this.cutFromConfigChange(app, changes, config, description) };
    });
  }

  /** A new release copying an old one's code and config. */
  rollback(app: App, version: number): Promise<Release> {
    return this.appTurns.run(app.id, () => this.cutRollback(app, version));
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
    });
    return this.finish(app, release);
  }

  /** Config vars changed: same code, new config, written with the release in one transaction
   *  (a write Redis refuses, e.g. at its memory limit, leaves neither). */
  private async cutFromConfigChange(app: App, changes: Record<string, string | null>, config: Record<string, string>, description: string): Promise<Release> {
    const current = await this.releases.current(app.id);
    const release = await this.releases.create(
      app.id,
      { image: current?.image ?? null, processTypes: current?.processTypes ?? {}, config, description, buildId: current?.buildId ?? null, stack: current?.stack ?? null },
      (multi) => this.apps.queueConfigChanges(multi, app.id, changes),
    );
    return this.finish(app, release);
  }

  private async cutRollback(app: App, version: number): Promise<Release> {
    const target = await this.releases.get(app.id, version);
    if (!target) throw new NotFoundError(`Release v${version} not found for ${app.name}.`);
    if (target.image) {
      const latest = await this.releases.current(app.id);
      const kept = keptDigests({ repository: target.image.repository, releases: await this.releases.list(app.id), currentVersion: latest?.version ?? null, building: false }, this.keepImagesOf);
      if (!kept.has(target.image.digest)) {
        throw new InvalidParamsError(`v${target.version} is older than the ${this.keepImagesOf} releases whose code is kept: its image was collected. Deploy that code again instead.`);
      }
    }
    const current = await this.apps.config(app.id);
    const unset = Object.fromEntries(Object.keys(current).filter((k) => !Object.hasOwn(target.config, k)).map((k) => [k, null]));
    const release = await this.releases.create(
      app.id,
      { image: target.image, processTypes: target.processTypes, config: target.config, description: `Rollback to v${target.version}`, buildId: target.buildId, stack: target.stack ?? null },
      (multi) => this.apps.queueConfigChanges(multi, app.id, { ...unset, ...target.config }),
    );
    return this.finish(app, release);
  }

  private async finish(app: App, release: Release): Promise<Release> {
    if (release.image) await this.hooks.tagImage(release.image, `v${release.version}`);
    // Heroku: the app's stack is the one its current release was built on (a rollback too).
    if (release.stack) await this.apps.setStack(app.id, release.stack);
    await this.apps.ensureFormationFor(app.id, Object.keys(release.processTypes));
    this.hooks.rollOut(app.id);
    return release;
  }
}
