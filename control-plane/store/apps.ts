import type { HealthCheck } from '../../common/health-check.js';
import { randomUUID } from 'node:crypto';
import type { ChainableCommander, Redis } from 'ioredis';
import { ConflictError, NotFoundError } from '../../common/errors.js';
import { type App, DEFAULT_DYNO_SIZE, DYNO_SIZES, type DynoSize, type FormationEntry, type User } from '../../common/types.js';
import { keys } from './keys.js';
import { getJson, getManyJson, now } from './json.js';

/** Sets fields of an app's JSON record (and updatedAt) in one step, so that two writers of
 *  different fields (a stack:set, a release) never undo each other. ARGV: time, then field and
 *  JSON value pairs. */
const SET_APP_FIELDS = `
local raw = redis.call('GET', KEYS[1])
if not raw then return nil end
local app = cjson.decode(raw)
for i = 2, #ARGV, 2 do app[ARGV[i]] = cjson.decode(ARGV[i + 1]) end
app['updatedAt'] = ARGV[1]
local out = cjson.encode(app)
redis.call('SET', KEYS[1], out)
return out`;

/** KEYS: app record, new name's key, old name's key; ARGV: app id, new name, time, old name.
 *  0 when the new name is taken, 1 when the app no longer has the old name (renamed meanwhile),
 *  nil when the app is gone, else the renamed record. */
const RENAME_APP = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local raw = redis.call('GET', KEYS[1])
if not raw then return nil end
local app = cjson.decode(raw)
if app['name'] ~= ARGV[4] then return 1 end
app['name'] = ARGV[2]
app['updatedAt'] = ARGV[3]
local out = cjson.encode(app)
redis.call('SET', KEYS[2], ARGV[1])
if redis.call('GET', KEYS[3]) == ARGV[1] then redis.call('DEL', KEYS[3]) end
redis.call('SET', KEYS[1], out)
return out`;

type SettableField = 'stack' | 'buildStack' | 'maintenance' | 'stopTimeoutSeconds' | 'ownerId' | 'teamId' | 'acm' | 'sleepingSince' | 'waking' | 'httpsRedirect' | 'hsts';

export class AppStore {
  /** `defaultStack`: the stack new apps get (the operator's SLIPWAY_DEFAULT_STACK). */
  constructor(private readonly redis: Redis, private readonly defaultStack: string) {}

  /** A new app of `owner`, or of `teamId` (created by `owner`) when given. */
  async create(name: string, owner: User, stack: string = this.defaultStack, teamId: string | null = null): Promise<App> {
    const app: App = { id: randomUUID(), name, ownerId: owner.id, teamId, stack, buildStack: stack, createdAt: now(), updatedAt: now() };
    const claimed = await this.redis.set(keys.appByName(name), app.id, 'NX');
    if (claimed !== 'OK') throw new ConflictError(`Name ${name} is already taken`);
    await this.redis.multi().set(keys.app(app.id), JSON.stringify(app)).sadd(keys.apps, app.id).exec();
    return app;
  }

  /** Gives the app a new name: the new one claimed atomically (409 when taken), the old one
   *  freed; the id, and everything keyed by it, stays. */
  async rename(app: App, newName: string): Promise<App> {
    const out = (await this.redis.eval(RENAME_APP, 3, keys.app(app.id), keys.appByName(newName), keys.appByName(app.name), app.id, newName, now(), app.name)) as string | number | null;
    if (out === 0) throw new ConflictError(`Name ${newName} is already taken`);
    if (out === 1) throw new ConflictError(`${app.name} was renamed meanwhile`);
    if (out === null || typeof out === 'number') throw new NotFoundError(`Couldn't find that app: ${app.name}.`);
    return JSON.parse(out) as App;
  }

  get(id: string): Promise<App | null> {
    return getJson<App>(this.redis, keys.app(id));
  }

  async getByName(name: string): Promise<App | null> {
    const id = await this.redis.get(keys.appByName(name));
    return id ? this.get(id) : null;
  }

  async list(): Promise<App[]> {
    const ids = await this.redis.smembers(keys.apps);
    const apps = await getManyJson<App>(this.redis, ids.map(keys.app));
    return apps.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The stack the app's next build uses (Heroku's `build_stack`); its current release keeps its own. */
  setBuildStack(appId: string, stack: string): Promise<App | null> {
    return this.setField(appId, 'buildStack', stack);
  }

  /** The stack the app's current release runs on (set when a release becomes current). */
  setStack(appId: string, stack: string): Promise<App | null> {
    return this.setField(appId, 'stack', stack);
  }

  /** Maintenance mode on or off (the router answers with the maintenance page while on). */
  setMaintenance(appId: string, on: boolean): Promise<App | null> {
    return this.setField(appId, 'maintenance', on);
  }

  /** One of the app's TLS features on or off. */
  setTlsFeature(appId: string, feature: 'httpsRedirect' | 'hsts', on: boolean): Promise<App | null> {
    return this.setField(appId, feature, on);
  }

  /** Asleep since `since`, or awake (null). */
  setSleeping(appId: string, since: string | null): Promise<App | null> {
    return this.setField(appId, 'sleepingSince', since);
  }

  /** Woken, until a web dyno is up: its route keeps leading to the waker meanwhile. */
  setWaking(appId: string, waking: boolean): Promise<App | null> {
    return this.setField(appId, 'waking', waking);
  }

  /** Automatic certificates for its custom domains on or off. */
  setAcm(appId: string, on: boolean): Promise<App | null> {
    return this.setField(appId, 'acm', on);
  }

  /** The app's SIGTERM grace (null: the platform's default). */
  setStopTimeout(appId: string, seconds: number | null): Promise<App | null> {
    return this.setField(appId, 'stopTimeoutSeconds', seconds);
  }

  /** Hands the app to another user (an accepted transfer, or a team's app made personal). */
  setOwner(appId: string, ownerId: string): Promise<App | null> {
    return this.setFields(appId, { ownerId, teamId: null });
  }

  /** Hands the app to a team (its last owner is kept in ownerId). */
  setTeam(appId: string, teamId: string): Promise<App | null> {
    return this.setFields(appId, { teamId });
  }

  /** A user's personal apps (not the team apps they last owned). */
  async ownedBy(userId: string): Promise<App[]> {
    return (await this.list()).filter((app) => app.ownerId === userId && !app.teamId);
  }

  /** The apps a team owns. */
  async ofTeam(teamId: string): Promise<App[]> {
    return (await this.list()).filter((app) => app.teamId === teamId);
  }

  private setField<F extends SettableField>(appId: string, field: F, value: App[F]): Promise<App | null> {
    return this.setFields(appId, { [field]: value });
  }

  private async setFields(appId: string, fields: Partial<Pick<App, SettableField>>): Promise<App | null> {
    const pairs = Object.entries(fields).flatMap(([field, value]) => [field, JSON.stringify(value)]);
    const out = (await this.redis.eval(SET_APP_FIELDS, 1, keys.app(appId), now(), ...pairs)) as string | null;
    return out ? (JSON.parse(out) as App) : null;
  }

  async isCollaborator(appId: string, userId: string): Promise<boolean> {
    return (await this.redis.sismember(keys.appCollaborators(appId), userId)) === 1;
  }

  async addCollaborator(appId: string, userId: string): Promise<void> {
    await this.redis.sadd(keys.appCollaborators(appId), userId);
  }

  async removeCollaborator(appId: string, userId: string): Promise<boolean> {
    return (await this.redis.srem(keys.appCollaborators(appId), userId)) === 1;
  }

  async clearCollaborators(appId: string): Promise<void> {
    await this.redis.del(keys.appCollaborators(appId));
  }

  collaborators(appId: string): Promise<string[]> {
    return this.redis.smembers(keys.appCollaborators(appId));
  }

  /** Removes the app's records; the caller has already stopped its instances and routes. Its
   *  instance records are left to their store (a leftover is found and stopped by the
   *  scheduler), and the name is freed last. */
  async delete(app: App): Promise<void> {
    const domains = await this.domains(app.id);
    const releaseCount = Number((await this.redis.get(keys.appReleaseSeq(app.id))) ?? 0);
    const buildIds = await this.redis.lrange(keys.appBuilds(app.id), 0, -1);
    const multi = this.redis.multi();
    for (const domain of domains) multi.del(keys.domainOwner(domain));
    for (let v = 1; v <= releaseCount; v++) multi.del(keys.release(app.id, v), keys.releaseOutput(app.id, v));
    for (const id of buildIds) multi.del(keys.build(id));
    multi.del(
      keys.app(app.id),
      keys.appConfig(app.id),
      keys.appConfigBlobs(app.id),
      keys.appBuildpacks(app.id),
      keys.appFormation(app.id),
      keys.appHealthChecks(app.id),
      keys.appOneOffs(app.id),
      keys.appOneOffSeq(app.id),
      keys.appDomains(app.id),
      keys.appCollaborators(app.id),
      keys.appTransfer(app.id),
      keys.appLogDrains(app.id),
      keys.appReleaseSeq(app.id),
      keys.appReleases(app.id),
      keys.appCurrentRelease(app.id),
      keys.appBuilds(app.id),
    );
    multi.srem(keys.apps, app.id);
    multi.srem(keys.logDrainApps, app.id);
    // Only free the name if it still points at this app.
    await multi.exec();
    const owner = await this.redis.get(keys.appByName(app.name));
    if (owner === app.id) await this.redis.del(keys.appByName(app.name));
  }

  config(appId: string): Promise<Record<string, string>> {
    return this.redis.hgetall(keys.appConfig(appId));
  }

  /** Sets (string) and unsets (null) config vars within `multi` (the release that carries them is written in the same one). */
  queueConfigChanges(multi: ChainableCommander, appId: string, changes: Record<string, string | null>): void {
    for (const [name, value] of Object.entries(changes)) {
      if (value === null) multi.hdel(keys.appConfig(appId), name);
      else multi.hset(keys.appConfig(appId), name, value);
    }
  }

  /** The app's buildpack installations in order (URLs or names, as set); empty: detection. */
  async buildpacks(appId: string): Promise<string[]> {
    return (await getJson<string[]>(this.redis, keys.appBuildpacks(appId))) ?? [];
  }

  /** Replaces the whole list (Heroku's PUT semantics); an empty list removes it. */
  async setBuildpacks(appId: string, buildpacks: readonly string[]): Promise<void> {
    if (buildpacks.length === 0) await this.redis.del(keys.appBuildpacks(appId));
    else await this.redis.set(keys.appBuildpacks(appId), JSON.stringify(buildpacks));
  }

  /** Health checks set through the API, by process type. */
  async healthChecks(appId: string): Promise<Record<string, HealthCheck>> {
    const raw = await this.redis.hgetall(keys.appHealthChecks(appId));
    return Object.fromEntries(Object.entries(raw).map(([type, json]) => [type, JSON.parse(json) as HealthCheck]));
  }

  /** Sets (or with null, removes) the API's health check of one process type. */
  async setHealthCheck(appId: string, type: string, check: HealthCheck | null): Promise<void> {
    if (check === null) await this.redis.hdel(keys.appHealthChecks(appId), type);
    else await this.redis.hset(keys.appHealthChecks(appId), type, JSON.stringify(check));
  }

  async formation(appId: string): Promise<FormationEntry[]> {
    const raw = await this.redis.hgetall(keys.appFormation(appId));
    return Object.entries(raw)
      .map(([type, json]) => ({ type, ...(JSON.parse(json) as { quantity: number; size: DynoSize }) }))
      .sort((a, b) => a.type.localeCompare(b.type));
  }

  async setFormation(appId: string, entries: FormationEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const multi = this.redis.multi();
    for (const { type, quantity, size } of entries) {
      multi.hset(keys.appFormation(appId), type, JSON.stringify({ quantity, size }));
    }
    await multi.exec();
  }

  /** Adds formation entries for process types that have none yet (Heroku: web=1, others 0;
   *  `webQuantity` 0 when the owner's plan has no room for it). */
  async ensureFormationFor(appId: string, processTypes: string[], webQuantity = 1): Promise<void> {
    for (const type of processTypes) {
      const entry = JSON.stringify({ quantity: type === 'web' ? webQuantity : 0, size: DEFAULT_DYNO_SIZE });
      await this.redis.hsetnx(keys.appFormation(appId), type, entry);
    }
  }

  domains(appId: string): Promise<string[]> {
    return this.redis.smembers(keys.appDomains(appId)).then((d) => d.sort());
  }

  async addDomain(appId: string, hostname: string): Promise<void> {
    const claimed = await this.redis.set(keys.domainOwner(hostname), appId, 'NX');
    if (claimed !== 'OK') throw new ConflictError(`${hostname} is already in use by an app`);
    await this.redis.sadd(keys.appDomains(appId), hostname);
  }

  /** The app a custom domain leads to, or null. */
  async byDomain(hostname: string): Promise<App | null> {
    const id = await this.redis.get(keys.domainOwner(hostname));
    return id ? this.get(id) : null;
  }

  async removeDomain(appId: string, hostname: string): Promise<boolean> {
    const removed = await this.redis.srem(keys.appDomains(appId), hostname);
    if (removed === 1) await this.redis.del(keys.domainOwner(hostname));
    return removed === 1;
  }
}

export function isDynoSize(size: string): size is DynoSize {
  return Object.hasOwn(DYNO_SIZES, size);
}
