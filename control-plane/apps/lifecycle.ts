// The one home of what happens to an app's processes at a user's request: scale, restart,
// destroy. HTTP handlers call it; it changes desired state and asks the scheduler to converge.
import { appNameProblem } from '../../common/names.js';
import { stopGraceSeconds } from './stop-grace.js';
import { RELEASE_PROCESS_TYPE } from '../releases/service.js';
import { InvalidParamsError, NotFoundError } from '../../common/errors.js';
import { type App, DEFAULT_DYNO_SIZE, type DynoSize, type FormationEntry } from '../../common/types.js';
import type { AgentClient } from '../agents/client.js';
import type { CertificateStore } from '../certificates/store.js';
import type { Converger } from '../converger.js';
import type { GitRepos } from '../git/repos.js';
import type { AppStore } from '../store/apps.js';
import type { InstanceStore } from '../store/instances.js';
import type { OneOffStore } from '../store/one-offs.js';
import type { ReleaseStore } from '../store/releases.js';

export interface FormationUpdate {
  type: string;
  quantity?: number;
  size?: DynoSize;
}

export interface AppLifecycleDeps {
  apps: AppStore;
  releases: ReleaseStore;
  instances: InstanceStore;
  certificates: CertificateStore;
  /** The app's traffic route, removed with the app. */
  routes: { remove(appName: string): Promise<void> };
  agents: AgentClient;
  repos: GitRepos;
  converger: Converger;
  /** The app's running one-off dynos, stopped with it. */
  oneOffs: Pick<OneOffStore, 'list' | 'remove'>;
  /** The images users pushed under the app's name (`<app>/<type>`), which a rename moves. */
  pushedImages: {
    /** Copies them under the new name; returns the repositories filled, old → new. */
    copy(oldName: string, newName: string): Promise<ReadonlyMap<string, string>>;
    remove(appName: string): Promise<void>;
  };
  /** Removes what else the platform keeps under the app's id (its log stream, build caches). */
  purgeAppData: (appId: string) => Promise<void>;
  stopGraceSeconds: number;
  /** Refuses (throws) a formation the app's plan does not allow (plans/gate.ts). */
  admitFormation?: (app: App, before: readonly FormationEntry[], changed: readonly FormationEntry[]) => Promise<void>;
}

/** Pure: the formation after `updates`, or the process type the release does not declare. */
export function scaledFormation(
  processTypes: Readonly<Record<string, string>> | null,
  current: readonly FormationEntry[],
  updates: readonly FormationUpdate[],
): { entries: FormationEntry[] } | { unknownType: string } | { notScalable: string } {
  const existing = new Map(current.map((f) => [f.type, f]));
  const entries: FormationEntry[] = [];
  for (const update of updates) {
    if (update.type === RELEASE_PROCESS_TYPE) return { notScalable: update.type };
    // own properties only: `constructor` or `__proto__` is not a process type
    if (!processTypes || !Object.hasOwn(processTypes, update.type)) return { unknownType: update.type };
    const was = existing.get(update.type) ?? { type: update.type, quantity: 0, size: DEFAULT_DYNO_SIZE };
    entries.push({ type: update.type, quantity: update.quantity ?? was.quantity, size: update.size ?? was.size });
  }
  return { entries };
}

/** Pure: the process types whose size `entries` change (their instances must be replaced, as
 *  Heroku restarts dynos whose size changes). */
export function resizedTypes(current: readonly FormationEntry[], entries: readonly FormationEntry[]): string[] {
  const sizes = new Map(current.map((f) => [f.type, f.size]));
  return entries.filter((entry) => sizes.has(entry.type) && sizes.get(entry.type) !== entry.size).map((entry) => entry.type);
}

export class AppLifecycle {
  constructor(private readonly deps: AppLifecycleDeps) {}

  /** Sets quantity and size for process types the current release declares; 422 for others.
   *  Instances of a type whose size changed are replaced by instances of the new size (rolling). */
  async scale(appId: string, updates: readonly FormationUpdate[]): Promise<void> {
    const release = await this.deps.releases.current(appId);
    const before = await this.deps.apps.formation(appId);
    const result = scaledFormation(release?.processTypes ?? null, before, updates);
    if ('notScalable' in result) {
      throw new InvalidParamsError(`The ${result.notScalable} process type is the release phase: it runs once per release and cannot be scaled.`);
    }
    if ('unknownType' in result) {
      throw new InvalidParamsError(`Couldn't find that process type (${result.unknownType}): the current release does not declare it.`);
    }
    const app = this.deps.admitFormation ? await this.deps.apps.get(appId) : null;
    if (app) await this.deps.admitFormation!(app, before, result.entries);
    await this.deps.apps.setFormation(appId, result.entries);
    for (const type of resizedTypes(before, result.entries)) await this.restartIfRunning(appId, type);
    void this.deps.converger.convergeApp(appId);
  }

  /** Rolling restart: fresh instances replace the named ones (`web.1` or its id, `web`, or all), which stop once those are up. */
  async restart(appId: string, name: string | null): Promise<void> {
    const instances = await this.deps.instances.listForApp(appId);
    const chosen = instances.filter((i) => name === null || `${i.type}.${i.index}` === name || i.type === name || i.id === name);
    if (name !== null && chosen.length === 0) throw new NotFoundError(`Couldn't find that dyno (${name}).`);
    for (const instance of chosen) {
      await this.deps.instances.update(instance.id, (current) => (current.state === 'stopping' ? null : { retiring: true }));
    }
    void this.deps.converger.convergeApp(appId);
  }

  /** Heroku's apps:rename: the app keeps its id, releases, config, domains, running instances
   *  and repository; its default hostname and git URL follow the new name. The route under
   *  the new name is published before the old one is removed, so custom domains never drop.
   *  Under the app's lock, so no scheduler pass or destroy works with the old name meanwhile
   *  (the route publisher refuses a name the app has left, whoever sends it). */
  async rename(app: App, newName: string): Promise<App> {
    const problem = appNameProblem(newName);
    if (problem) throw new InvalidParamsError(`name: ${problem}`);
    if (newName === app.name) return app;
    const { apps, releases, routes, converger, pushedImages } = this.deps;
    return converger.exclusive(app.id, async () => {
      const renamed = await apps.rename(app, newName);
      // Pushed images live under the app's name, which the rename frees for another user to
      // take, with access to its repositories: they move with the app (copied, the releases
      // pointed at the copies, then the old ones deleted). Instances keep running meanwhile.
      const moved = await pushedImages.copy(app.name, newName);
      if (moved.size > 0) {
        await releases.moveImages(app.id, moved);
        await pushedImages.remove(app.name);
      }
      await converger.publishRoute(renamed);
      await routes.remove(app.name);
      return renamed;
    });
  }

  /** A rolling restart of one process type's instances, when it has any (a change that new
   *  instances pick up, such as a health check). */
  async restartIfRunning(appId: string, type: string): Promise<void> {
    if ((await this.deps.instances.listForApp(appId)).some((i) => i.type === type)) await this.restart(appId, type);
  }

  /**
   * Stops the app's route and instances, purges its repository, logs and caches, then removes
   * its records; the name is freed last, so whoever takes it next finds nothing of this app.
   * No scheduler pass over the app runs meanwhile (none may start an instance or publish a
   * route for it); one that was queued finds the app gone.
   */
  async destroy(app: App): Promise<void> {
    const { apps, instances, certificates, routes, agents, repos, converger } = this.deps;
    await converger.exclusive(app.id, async () => {
      // Read again under the lock: a rename that went first changed the name to free.
      const current = (await apps.get(app.id)) ?? app;
      await apps.setFormation(app.id, (await apps.formation(app.id)).map((f) => ({ ...f, quantity: 0 })));
      await routes.remove(current.name);
      await certificates.removeAll(app.id);
      const running = await instances.listForApp(app.id);
      await Promise.all(
        running.map(async (instance) => {
          await agents.stop(instance.hostId, { instanceId: instance.id, graceSeconds: stopGraceSeconds(current, this.deps.stopGraceSeconds) }).catch(() => {});
          await instances.remove(instance);
        }),
      );
      await Promise.all(
        (await this.deps.oneOffs.list(app.id)).map(async (run) => {
          await agents.stopOneOff(run.hostId, { runId: run.runId, graceSeconds: stopGraceSeconds(current, this.deps.stopGraceSeconds) }).catch(() => {});
          await this.deps.oneOffs.remove(run);
        }),
      );
      await repos.remove(app.id);
      await this.deps.purgeAppData(app.id);
      await apps.delete(current);
    });
  }
}
