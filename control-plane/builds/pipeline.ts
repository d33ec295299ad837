// A push, from source to serving release: build, release, roll out, and report each step to
// the user's `git push` as it happens. A failure at any step leaves the previous release serving.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../common/logger.js';
import type { App, Build, Instance } from '../../common/types.js';
import { releasePhaseCommand, type Releaser } from '../releases/service.js';
import { rolloutStatus } from '../scheduler/plan.js';
import type { AppStore } from '../store/apps.js';
import type { BuildLeases } from '../store/build-leases.js';
import type { BuildStore } from '../store/builds.js';
import type { InstanceStore } from '../store/instances.js';
import type { ReleaseStore } from '../store/releases.js';
import { buildStackOf } from '../stacks.js';
import type { AppLogger } from '../app-logs.js';
import { platformEvents } from '../apps/platform-events.js';
import { BuildFailedError, type BuildInput, type Builder } from './builder.js';

type BuildLog = BuildInput['log'];

export interface PipelineDeps {
  apps: AppStore;
  builds: BuildStore;
  leases: BuildLeases;
  /** this control plane's identity, on the leases of its builds */
  owner: string;
  /** builds running at once, platform-wide */
  concurrency: number;
  leaseRenewMs: number;
  releases: ReleaseStore;
  instances: InstanceStore;
  releaser: Releaser;
  builder: Builder;
  logger: Logger;
  webUrl: (app: App) => string;
  /** How long to wait for new instances to come up before calling the deploy failed. */
  rolloutTimeoutMs: number;
  pollMs?: number;
  /** Platform events in the app's log (build started, deploy, release). */
  appLog: AppLogger;
  /** The platform's name and CLI command in the push's output (the provider's brand). */
  brand?: { name: string; cli: string };
  /** The usage ledger: a build's time, metered. */
  usage?: { build(app: App, buildId: string, startedMs: number, endedMs: number): Promise<void> };
  /** The account's plan: refuses a build over its limits, and counts build time (plans/gate.ts). */
  plans?: {
    buildRefusal(app: App, buildId: string): Promise<{ message: string } | null>;
    recordBuild(app: App, seconds: number): Promise<void>;
  };
}

export interface DeployResult {
  ok: boolean;
  releaseVersion: number | null;
}

const heading = (text: string) => `-----> ${text}`;
const detail = (text: string) => `       ${text}`;
const failure = (text: string) => ` !     ${text}`;
/** How often a push checks its rollout: the push ends this soon after the new instances are up (a few Redis reads each). */
const ROLLOUT_POLL_MS = 100;

export class DeployPipeline {
  constructor(private readonly deps: PipelineDeps) {}

  /** `pushedBy`: the pusher's email, for the app's log. */
  async deploy(app: App, sourceVersion: string, pushedBy: string, source: NodeJS.ReadableStream, log: BuildLog, signal?: AbortSignal): Promise<DeployResult> {
    const { leases } = this.deps;
    const lockToken = await leases.lockApp(app.id);
    if (!lockToken) {
      source.resume();
      log(failure(`A build is already running for ${app.name}; try again when it has finished.`));
      return { ok: false, releaseVersion: null };
    }
    const holder = { appId: app.id, owner: this.deps.owner, lockToken };
    let build: Build | null = null;
    // The lease is renewed while the deploy runs; if it is lost (taken as an orphan), the build stops.
    const lost = new AbortController();
    const renewal = setInterval(() => {
      if (!build) return;
      leases.renew(build.id, holder).then(
        (held) => {
          if (!held) lost.abort();
        },
        (err: unknown) => this.deps.logger.warn({ err, build: build?.id }, 'renewing the build lease failed'),
      );
    }, this.deps.leaseRenewMs);
    try {
      build = await this.deps.builds.create(app.id, sourceVersion);
      await leases.join(build.id, holder);
      this.deps.appLog(app, 'api', platformEvents.buildStarted(pushedBy));
      return await this.deployLocked(app, build, pushedBy, source, log, signal ? AbortSignal.any([signal, lost.signal]) : lost.signal);
    } finally {
      clearInterval(renewal);
      await leases.release(build?.id ?? null, app.id, lockToken);
    }
  }

  /** Waits until the build may run (the platform-wide queue), saying so; false if cancelled meanwhile. */
  private async waitForSlot(build: Build, log: BuildLog, signal: AbortSignal): Promise<boolean> {
    let reported = 0;
    for (;;) {
      const ahead = await this.deps.leases.waiting(build.id, this.deps.concurrency);
      if (ahead === 0) return true;
      if (signal.aborted) return false;
      if (ahead !== reported) await log(heading(`Waiting for a build slot (${ahead} ahead)`));
      reported = ahead;
      await sleep(this.deps.pollMs ?? 250);
    }
  }

  private async deployLocked(
    app: App,
    build: Build,
    pushedBy: string,
    source: NodeJS.ReadableStream,
    log: BuildLog,
    signal: AbortSignal,
  ): Promise<DeployResult> {
    const sourceVersion = build.sourceVersion;
    const refusal = await this.deps.plans?.buildRefusal(app, build.id);
    if (refusal) {
      source.resume();
      await this.deps.builds.update(build, { status: 'failed', failure: refusal.message });
      this.deps.appLog(app, 'api', platformEvents.buildFailed(refusal.message));
      log(failure(refusal.message));
      log(failure('Push rejected by the plan.'));
      return { ok: false, releaseVersion: null };
    }
    if (!(await this.waitForSlot(build, log, signal))) {
      source.resume();
      await this.deps.builds.update(build, { status: 'failed', failure: 'The push was cancelled while waiting for a build slot.' });
      this.deps.appLog(app, 'api', platformEvents.buildFailed('cancelled while waiting for a build slot'));
      return { ok: false, releaseVersion: null };
    }
    const previous = await this.deps.releases.current(app.id);
    // The app as it is now (a stack:set while the push waited for a slot counts).
    const stack = buildStackOf((await this.deps.apps.get(app.id)) ?? app);
    build = await this.deps.builds.update(build, { stack });
    let output;
    const buildStartedMs = Date.now();
    try {
      const [buildpacks, configVars] = await Promise.all([this.deps.apps.buildpacks(app.id), this.deps.apps.config(app.id)]);
      output = await this.deps.builder.build({ buildId: build.id, appName: app.name, appId: app.id, stack, source, log, signal, buildpacks, configVars });
      signal.throwIfAborted();
    } catch (err) {
      await this.recordBuildTime(app, buildStartedMs, build.id);
      const reason = err instanceof BuildFailedError ? err.message : 'internal error while building';
      if (!(err instanceof BuildFailedError)) this.deps.logger.error({ err, app: app.name, build: build.id }, 'build crashed');
      await this.deps.builds.update(build, { status: 'failed', failure: reason });
      this.deps.appLog(app, 'api', platformEvents.buildFailed(reason));
      if (!(err instanceof BuildFailedError && err.logged)) for (const line of reason.split('\n')) log(failure(line));
      log(failure('Push rejected, failed to compile the app.'));
      if (previous) log(failure(`v${previous.version} keeps serving.`));
      return { ok: false, releaseVersion: null };
    }

    await this.recordBuildTime(app, buildStartedMs, build.id);
    build = await this.deps.builds.update(build, {
      status: 'succeeded',
      buildpack: output.buildpack,
      image: output.image,
      processTypes: output.processTypes,
    });

    this.deps.appLog(app, 'api', platformEvents.buildSucceeded());
    const phase = releasePhaseCommand(output);
    if (phase) log(heading(`Running release command: ${phase}`));
    const release = await this.deps.releaser.fromBuild(
      app,
      { id: build.id, image: output.image, processTypes: output.processTypes, healthChecks: output.healthChecks, sourceVersion, stack: output.stack },
      (line) => log(detail(line)),
    );
    await this.deps.builds.update(build, { releaseVersion: release.version });
    this.deps.appLog(app, 'api', platformEvents.deployed(sourceVersion, pushedBy));
    this.deps.appLog(app, 'api', platformEvents.releaseCreated(release.version, pushedBy));
    if (release.status === 'failed') {
      log(failure(release.failure ?? 'Release command failed.'));
      log(failure(`v${release.version} failed and does not run.${previous ? ` v${previous.version} keeps serving.` : ''}`));
      return { ok: false, releaseVersion: release.version };
    }
    log(heading(`Released v${release.version}`));

    const formation = (await this.deps.apps.formation(app.id)).filter((f) => f.quantity > 0 && Object.hasOwn(release.processTypes, f.type));
    if (formation.length === 0) {
      log(detail('No instances to start (scale a process type up to run it).'));
      return { ok: true, releaseVersion: release.version };
    }
    log(heading(`Launching ${formation.map((f) => `${f.type}=${f.quantity}`).join(' ')}`));
    const outcome = await this.waitForRollout(app, release.version, log, signal);
    if (outcome.state === 'done') {
      log(detail(`${this.deps.webUrl(app)} deployed to ${this.deps.brand?.name ?? 'Slipway'}`));
      return { ok: true, releaseVersion: release.version };
    }
    log(failure(outcome.state === 'failed' ? outcome.reason : 'Timed out waiting for the new instances to come up.'));
    if (previous) log(failure(`v${previous.version} keeps serving until v${release.version} comes up.`));
    log(failure(`See the app's output with: ${this.deps.brand?.cli ?? 'slipway'} logs -a ${app.name}`));
    return { ok: false, releaseVersion: release.version };
  }

  /** A build's time counts against its account's plan, failed or not; a failure to count is logged, not the push's. */
  private async recordBuildTime(app: App, startedMs: number, buildId: string): Promise<void> {
    const endedMs = Date.now();
    await this.deps.plans?.recordBuild(app, (endedMs - startedMs) / 1000).catch((err: unknown) => this.deps.logger.warn({ err, app: app.name }, 'counting build time failed'));
    await this.deps.usage?.build(app, buildId, startedMs, endedMs).catch((err: unknown) => this.deps.logger.warn({ err, app: app.name }, 'metering build time failed'));
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
      await sleep(this.deps.pollMs ?? ROLLOUT_POLL_MS);
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
