// Detached one-off dynos (Heroku's `run:detached`): a command of the current release run in a
// one-off container with the app's config, its output in the app's log as `run.N`, listed
// with the app's dynos while it runs, stoppable, ended by its time limit (24 h by default).
import { InvalidParamsError, NotFoundError } from '../../common/errors.js';
import type { App, DynoSize, ImageRef, Instance } from '../../common/types.js';
import type { AgentClient } from '../agents/client.js';
import type { AppLogger } from '../app-logs.js';
import type { OneOffRecord, OneOffStore } from '../store/one-offs.js';
import type { ReleaseStore } from '../store/releases.js';
import { stopGraceSeconds } from '../apps/stop-grace.js';
import type { OneOffOutput, OneOffRunner, StartedOneOff } from './runner.js';

/** Heroku's default time to live of a one-off dyno. */
export const DEFAULT_ONE_OFF_TTL_SECONDS = 24 * 3600;

export interface DetachedRunDeps {
  runner: OneOffRunner;
  store: OneOffStore;
  releases: ReleaseStore;
  agents: AgentClient;
  appLog: AppLogger;
  /** The platform's SIGTERM grace, for apps without their own (`stop_timeout_seconds`). */
  stopGraceSeconds: number;
}

/** Pure: a running one-off as the dynos API shows it (an Instance of type `run`). */
export function oneOffAsInstance(record: OneOffRecord, app: Pick<App, 'id' | 'name'>): Instance {
  return {
    id: record.runId,
    appId: app.id,
    appName: app.name,
    type: 'run',
    index: record.number,
    releaseVersion: record.releaseVersion,
    hostId: record.hostId,
    size: record.size,
    state: record.state,
    port: null,
    exitCode: null,
    reason: null,
    restarts: 0,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

export class DetachedRuns {
  constructor(private readonly deps: DetachedRunDeps) {}

  /** A detached run: its output goes to the app's log. */
  async start(app: App, command: string, size: DynoSize, ttlSeconds: number): Promise<OneOffRecord> {
    const number = await this.nextNumber(app);
    return (await this.launch(app, number, { command, size, ttlSeconds, tty: null }, {})).record;
  }

  /** The number of the app's next one-off (`run.N`), once it has a release to run (or, for a run
   *  of another image, such as an add-on's client, a release whose config it takes). */
  async nextNumber(app: App, options: { ownImage?: boolean } = {}): Promise<number> {
    const release = await this.deps.releases.current(app.id);
    if (!release || (!release.image && !options.ownImage)) throw new InvalidParamsError(`${app.name} has no release to run a command of yet: deploy it first.`);
    return this.deps.store.nextNumber(app.id);
  }

  /** Starts `run.<number>`; listed while it runs, its end in the app's log. `image`: another image
   *  than the release's (an add-on's client), run with the release's config all the same. */
  async launch(app: App, number: number, run: { command: string; size: DynoSize; ttlSeconds: number; tty: { cols: number; rows: number } | null; env?: Record<string, string>; image?: ImageRef }, output: OneOffOutput): Promise<{ record: OneOffRecord; started: StartedOneOff }> {
    const release = await this.deps.releases.current(app.id);
    const image = run.image ?? release?.image;
    if (!release || !image) throw new InvalidParamsError(`${app.name} has no release to run a command of yet: deploy it first.`);
    const dyno = `run.${number}`;
    const expiresAtMs = Date.now() + run.ttlSeconds * 1000;
    this.deps.appLog(app, dyno, `Starting process with command \`${run.command}\`${run.tty ? ' (attached)' : ''}`);
    const started = await this.deps.runner.start(
      { app, dyno, image, command: run.command, env: { ...release.config, ...run.env }, size: run.size, timeoutSeconds: run.ttlSeconds, tty: run.tty },
      output,
    );
    const record = await this.deps.store.save({ runId: started.runId, appId: app.id, number, command: run.command, size: run.size, releaseVersion: release.version, hostId: started.hostId, expiresAtMs });
    void started.ended.then(async (outcome) => {
      await this.deps.store.remove(record);
      this.deps.appLog(app, dyno, `Process ${outcome.reason}`);
      this.deps.appLog(app, dyno, `State changed from up to ${outcome.exitCode === 0 ? 'complete' : 'crashed'}`);
    });
    return { record, started };
  }

  /** Stops `run.N` (SIGTERM, then SIGKILL after the app's grace, as its other processes get). */
  async stop(app: App, dyno: string): Promise<void> {
    const record = (await this.deps.store.list(app.id)).find((r) => `run.${r.number}` === dyno);
    if (!record) throw new NotFoundError(`Couldn't find that dyno (${dyno}).`);
    const reply = await this.deps.agents.stopOneOff(record.hostId, { runId: record.runId, graceSeconds: stopGraceSeconds(app, this.deps.stopGraceSeconds) });
    if (!reply.ok) throw new NotFoundError(`Couldn't find that dyno (${dyno}): ${reply.error ?? 'its host does not run it'}.`);
  }
}
