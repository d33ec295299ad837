// A push, from source to serving release: build, release, roll out, and report each step to
// the user's `git push` as it happens. A failure at any step leaves the previous release serving.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../common/logger.js';
import type { App, Instance } from '../../common/types.js';
import type { Releaser } from '../releases/service.js';
import { rolloutStatus } from '../scheduler/plan.js';
import type { AppStore } from '../store/apps.js';
import type { BuildStore } from '../store/builds.js';
import type { InstanceStore } from '../store/instances.js';
import type { ReleaseStore } from '../store/releases.js';
import { BuildFailedError, type BuildInput, type Builder } from './builder.js';

type BuildLog = BuildInput['log'];

export interface PipelineDeps {
  apps: AppStore;
  builds: BuildStore;
  releases: ReleaseStore;
  instances: InstanceStore;
  releaser: Releaser;
  builder: Builder;
  logger: Logger;
  webUrl: (app: App) => string;
  /** How long to wait for new instances to come up before calling the deploy failed. */
  rolloutTimeoutMs: number;
  pollMs?: number;
}

export interface DeployResult {
  ok: boolean;
  releaseVersion: number | null;
}

const heading = (text: string) => `-----> ${text}`;
const detail = (text: string) => `       ${text}`;
const failure = (text: string) => ` !     ${text}`;

export class DeployPipeline {
  constructor(private readonly deps: PipelineDeps) {}

  async deploy(app: App, sourceVersion: string, source: NodeJS.ReadableStream, log: BuildLog, signal?: AbortSignal): Promise<DeployResult> {
    const unlock = await this.deps.builds.lock(app.id);
    if (!unlock) {
      source.resume();
      log(failure(`A build is already running for ${app.name}; try again when it has finished.`));
      return { ok: false, releaseVersion: null };
    }
    try {
      return await this.deployLocked(app, sourceVersion, source, log, signal);
    } finally {
      await unlock();
    }
  }

  private async deployLocked(
    app: App,
    sourceVersion: string,
    source: NodeJS.ReadableStream,
    log: BuildLog,
    signal?: AbortSignal,
  ): Promise<DeployResult> {
    let build = await this.deps.builds.create(app.id, sourceVersion);
    const previous = await this.deps.releases.current(app.id);
    let output;
    try {
      output = await this.deps.builder.build({ buildId: build.id, appName: app.name, source, log, signal });
    } catch (err) {
      const reason = err instanceof BuildFailedError ? err.message : 'internal error while building';
      if (!(err instanceof BuildFailedError)) this.deps.logger.error({ err, app: app.name, build: build.id }, 'build crashed');
      await this.deps.builds.update(build, { status: 'failed', failure: reason });
      for (const line of reason.split('\n')) log(failure(line));
      log(failure('Push rejected, failed to compile the app.'));
      if (previous) log(failure(`v${previous.version} keeps serving.`));
      return { ok: false, releaseVersion: null };
    }

    build = await this.deps.builds.update(build, {
      status: 'succeeded',
      buildpack: output.buildpack,
      image: output.image,
      processTypes: output.processTypes,
    });

    const release = await this.deps.releaser.fromBuild(app, { id: build.id, image: output.image, processTypes: output.processTypes, sourceVersion });
    await this.deps.builds.update(build, { releaseVersion: release.version });
    log(heading(`Released v${release.version}`));

    const formation = (await this.deps.apps.formation(app.id)).filter((f) => f.quantity > 0 && Object.hasOwn(release.processTypes, f.type));
    if (formation.length === 0) {
      log(detail('No instances to start (scale a process type up to run it).'));
      return { ok: true, releaseVersion: release.version };
    }
    log(heading(`Launching ${formation.map((f) => `${f.type}=${f.quantity}`).join(' ')}`));
    const outcome = await this.waitForRollout(app, release.version, log, signal);
    if (outcome.state === 'done') {
      log(detail(`${this.deps.webUrl(app)} deployed to Slipway`));
      return { ok: true, releaseVersion: release.version };
    }
    log(failure(outcome.state === 'failed' ? outcome.reason : 'Timed out waiting for the new instances to come up.'));
    if (previous) log(failure(`v${previous.version} keeps serving until v${release.version} comes up.`));
    log(failure(`See the app's output with: slipway logs -a ${app.name}`));
    return { ok: false, releaseVersion: release.version };
  }

  private async waitForRollout(app: App, version: number, log: BuildLog, signal?: AbortSignal) {
    const deadline = Date.now() + this.deps.rolloutTimeoutMs;
    const seen = new Map<string, string>();
    while (Date.now() < deadline && !signal?.aborted) {
      const [release, formation, instances] = await Promise.all([
        this.deps.releases.get(app.id, version),
        this.deps.apps.formation(app.id),
        this.deps.instances.listForApp(app.id),
      ]);
      if (!release) break;
      reportStates(instances.filter((i) => i.releaseVersion === version), seen, log);
      const status = rolloutStatus(release, formation, instances);
      if (status.state !== 'pending') return status;
      await sleep(this.deps.pollMs ?? 250);
    }
    return { state: 'timeout' as const };
  }
}

function reportStates(instances: readonly Instance[], seen: Map<string, string>, log: BuildLog): void {
  for (const instance of instances) {
    if (seen.get(instance.id) === instance.state) continue;
    seen.set(instance.id, instance.state);
    const why = instance.state === 'crashed' && instance.reason ? ` (${instance.reason})` : '';
    log(detail(`${instance.type}.${instance.index}: ${instance.state}${why}`));
  }
}
