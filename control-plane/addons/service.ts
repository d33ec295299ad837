// Add-ons: provisioning a plan's server on a host (pinned there with its volume), attaching its
// URL to apps as config vars (each change a new release, rolled out like any config change),
// detaching, destroying. The one home of these steps; handlers only validate and represent.
import { randomUUID } from 'node:crypto';
import { ADDON_SERVICES, addonService, attachmentName, isBuiltinService, resolvePlan, type AddonPlan, type AddonService, type AddonServiceName } from '../../common/addons.js';
import { planServerSettings } from '../plans/addon-plans.js';
import { planChangeRefusal } from './plan-change.js';
import { moveStepWords, moveTarget, type MoveStep } from './move.js';
import { describeError, SlipwayError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { AddonServerInfo } from '../../common/protocol.js';
import type { App, ImageRef } from '../../common/types.js';
import type { AddonAgents } from '../agents/client.js';
import type { Releaser } from '../releases/service.js';
import type { AddonAttachmentRecord, AddonRecord, AddonStore } from '../store/addons.js';
import type { HostStore } from '../store/hosts.js';
import type { Backups } from '../backups/service.js';
import { addonName, addonUrl, generateCredentials, placeAddon, serverEnv } from './plan.js';

export interface AddonsDeps {
  store: AddonStore;
  hosts: HostStore;
  agents: AddonAgents;
  releaser: Pick<Releaser, 'changeConfig'>;
  /** The service's server image (built from the stack's packages); null: this platform builds none. */
  image: ((service: AddonService, plan: AddonPlan) => Promise<ImageRef>) | null;
  logger: Logger;
  /** where an add-on's time is metered (none: not metered) */
  meter?: { provisioned(addon: AddonRecord): Promise<void>; destroyed(addon: AddonRecord): Promise<void> };
  /** the services with the provider's plans (its plans file); the built-in ones when not given */
  catalogue?: readonly AddonService[];
  /** Third-party add-ons (partner-addons/service.ts): their services' plans are created, shared,
   *  detached and destroyed there, through the partner. */
  partner?: PartnerAddonSteps;
}

export interface PartnerAddonSteps {
  offers(planSpec: string): Promise<boolean>;
  create(app: App, planSpec: string, options: { as?: string }): Promise<{ addon: AddonRecord; attachment: AddonAttachmentRecord }>;
  attach(addon: AddonRecord, app: App, as?: string): Promise<AddonAttachmentRecord>;
  detach(attachment: AddonAttachmentRecord, addon: AddonRecord, app: App): Promise<void>;
  destroy(addon: AddonRecord, appsById: (id: string) => Promise<App | null>): Promise<void>;
}

/** What a move needs of the add-on backups (control-plane/backups/service.ts). */
export type MoveBackups = Pick<Backups, 'capture' | 'finished' | 'restore'>;

const NAME = /^[A-Z][A-Z0-9_]*$/;

/** How long a move holds its add-on at most (a capture and restore of a plan's data); a move
 *  whose control plane stopped gives the add-on back after this. */
const MOVE_CLAIM_MS = 60 * 60_000;

export class Addons {
  readonly store: AddonStore;
  readonly catalogue: readonly AddonService[];

  constructor(private readonly deps: AddonsDeps) {
    this.store = deps.store;
    this.catalogue = deps.catalogue ?? ADDON_SERVICES;
  }

  /** `addons:create <plan>`: the server runs and answers before its URL is set on the app. */
  async create(app: App, planSpec: string, options: { as?: string } = {}): Promise<{ addon: AddonRecord; attachment: AddonAttachmentRecord }> {
    if (this.deps.partner && (await this.deps.partner.offers(planSpec))) {
      const created = await this.deps.partner.create(app, planSpec, options);
      // metered from the partner's acceptance, like a built-in from its server's first answer
      await this.deps.meter?.provisioned(created.addon);
      return created;
    }
    const resolved = resolvePlan(planSpec, this.catalogue);
    if ('error' in resolved) throw new SlipwayError('invalid_params', resolved.error, { status: 422 });
    const { service, plan } = resolved;
    if (options.as !== undefined && !NAME.test(options.as)) throw new SlipwayError('invalid_params', 'An attachment name is upper-case letters, digits and underscores, starting with a letter (DATABASE, CACHE).', { status: 422 });
    const image = this.deps.image;
    // a platform whose builder makes no images (tests' stand-in builders): not offered here
    if (!image) throw new SlipwayError('addons_unavailable', 'This platform builds no add-on images (its builder has none): add-ons are not offered here.', { status: 422 });
    const host = placeAddon(await this.deps.hosts.list());
    if (!host) throw new SlipwayError('no_hosts', 'No host is up to run the add-on on: try again once one is.', { status: 503, expose: true });
    const taken = new Set((await this.deps.store.attachments(app.id)).map((a) => a.name));
    const name = options.as ?? attachmentName(service, taken);
    if (taken.has(name)) throw new SlipwayError('conflict', `${app.name} already has an add-on attached as ${name}.`, { status: 409 });

    const at = new Date().toISOString();
    let addon: AddonRecord = {
      id: randomUUID(),
      name: addonName(service.name),
      service: service.name,
      plan: plan.name,
      appId: app.id,
      hostId: host.id,
      address: host.address,
      port: null,
      image: { repository: '', digest: '' },
      credentials: generateCredentials(),
      state: 'provisioning',
      createdAt: at,
      updatedAt: at,
    };
    for (let tries = 0; !(await this.deps.store.create(addon)); tries += 1) {
      if (tries > 5) throw new SlipwayError('conflict', 'Could not find a free add-on name: try again.', { status: 409 });
      addon = { ...addon, name: addonName(service.name) };
    }
    try {
      addon.image = await image(service, plan);
      const reply = await this.deps.agents.runAddon(host.id, {
        addonId: addon.id,
        name: addon.name,
        service: service.name,
        image: addon.image,
        env: { ...serverEnv(service.name, addon.credentials), ...planServerSettings(plan) },
        memoryMb: plan.memoryMb,
        cpus: plan.cpus,
      });
      if (!reply.ok || !reply.port) throw new Error(reply.error ?? 'the agent reported no port');
      addon = { ...addon, port: reply.port, state: 'provisioned', updatedAt: new Date().toISOString() };
      await this.deps.store.save(addon);
      await this.deps.meter?.provisioned(addon);
      const attachment = await this.attachTo(addon, app, name);
      this.deps.logger.info({ addon: addon.name, app: app.name, host: host.id, plan: plan.name }, 'add-on provisioned');
      return { addon, attachment };
    } catch (err) {
      // Nothing half-made stays: the server and its volume go, then the record.
      await this.deps.agents.removeAddon(host.id, { addonId: addon.id }).catch(() => undefined);
      await this.deps.store.remove(addon);
      if (err instanceof SlipwayError) throw err;
      this.deps.logger.error({ addon: addon.name, err: describeError(err) }, 'add-on provisioning failed');
      throw new SlipwayError('addon_provisioning_failed', `Could not provision ${plan.name}: ${describeError(err)}`, { status: 503, expose: true, cause: err });
    }
  }

  /** `addons:attach`: the add-on's URL on another app, under a free colour name unless `as` is given. */
  async attach(addon: AddonRecord, app: App, as?: string): Promise<AddonAttachmentRecord> {
    if (addon.partner && this.deps.partner) return this.deps.partner.attach(addon, app, as);
    if (as !== undefined && !NAME.test(as)) throw new SlipwayError('invalid_params', 'An attachment name is upper-case letters, digits and underscores, starting with a letter.', { status: 422 });
    const existing = await this.deps.store.attachments(app.id);
    if (existing.some((a) => a.addonId === addon.id)) throw new SlipwayError('conflict', `${addon.name} is already attached to ${app.name}.`, { status: 409 });
    const service = addonService(addon.service, this.catalogue);
    if (!service) throw new Error(`no add-on service ${addon.service}`);
    // As on Heroku, a shared add-on gets a colour name (HEROKU_POSTGRESQL_AMBER) unless told `as`.
    const primary = service.configVar.replace(/_URL$/, '');
    const name = as ?? attachmentName(service, new Set([primary, ...existing.map((a) => a.name)]));
    return this.attachTo(addon, app, name);
  }

  /** `addons:detach`: the config var goes (a new release); the add-on's owning app keeps its own. */
  async detach(attachment: AddonAttachmentRecord, app: App): Promise<void> {
    const addon = await this.deps.store.get(attachment.addonId);
    if (addon?.partner && this.deps.partner) return this.deps.partner.detach(attachment, addon, app);
    await this.deps.store.detach(attachment);
    await this.deps.releaser.changeConfig(app, { [`${attachment.name}_URL`]: null }, `Detach ${attachment.name}`);
  }

  /** `addons:destroy`: every attachment's config var unset (a release on each app), then the
   *  server and its volume removed on its host, then the record. */
  async destroy(addon: AddonRecord, appsById: (id: string) => Promise<App | null>): Promise<void> {
    if (addon.partner && this.deps.partner) {
      await this.deps.partner.destroy(addon, appsById);
      await this.deps.meter?.destroyed(addon);
      return;
    }
    for (const attachment of await this.deps.store.attachmentsOf(addon.id)) {
      const app = await appsById(attachment.appId);
      await this.deps.store.detach(attachment);
      if (app) await this.deps.releaser.changeConfig(app, { [`${attachment.name}_URL`]: null }, `Detach ${attachment.name}`);
    }
    const reply = await this.deps.agents.removeAddon(addon.hostId, { addonId: addon.id });
    if (!reply.ok) throw new SlipwayError('addon_deprovisioning_failed', `Could not remove ${addon.name} from its host: ${reply.error ?? 'no reason given'}`, { status: 503, expose: true });
    await this.deps.store.remove(addon);
    await this.deps.meter?.destroyed(addon);
    this.deps.logger.info({ addon: addon.name }, 'add-on destroyed');
  }

  /** `pg:credentials:rotate`: a new password on the server (open connections keep theirs), then
   *  the new URL on every attached app, each a release rolled out like any config change, so
   *  requests keep being answered throughout. */
  async rotateCredentials(addon: AddonRecord, appsById: (id: string) => Promise<App | null>): Promise<AddonRecord> {
    if (addon.service !== 'postgresql') throw new SlipwayError('invalid_params', `Only PostgreSQL credentials rotate; ${addon.name} is ${addon.service}.`, { status: 422 });
    if (addon.port === null) throw new SlipwayError('conflict', `${addon.name} is not provisioned yet.`, { status: 409 });
    const newPassword = generateCredentials().password;
    const reply = await this.deps.agents.rotateAddonPassword(addon.hostId, { addonId: addon.id, user: addon.credentials.user, currentPassword: addon.credentials.password, newPassword });
    if (!reply.ok) throw new SlipwayError('addon_rotation_failed', `Could not rotate ${addon.name}'s credentials: ${reply.error ?? 'no reason given'}`, { status: 503, expose: true });
    const rotated: AddonRecord = { ...addon, credentials: { ...addon.credentials, password: newPassword }, updatedAt: new Date().toISOString() };
    await this.deps.store.save(rotated);
    await this.publishUrl(rotated, appsById, (name) => `Rotate ${name} credentials (@ref:${addon.name})`);
    this.deps.logger.info({ addon: addon.name }, 'add-on credentials rotated');
    return rotated;
  }

  /** `addons:move` (operators): a PostgreSQL or Redis add-on to another host by backup and restore. A backup
   *  is captured on its host; a server with the same credentials is made on the target (a new port)
   *  and the backup restored into it; then the record is switched and every attached app gets the
   *  new URL (a release each, as on credential rotation); then the old server and volume go. Writes
   *  made between the capture and the switch are lost (as with Heroku's pg:copy). A failure before
   *  the switch leaves the add-on serving on its old host and removes the half-made server. */
  async move(addon: AddonRecord, requestedHost: string | undefined, backups: MoveBackups, appsById: (id: string) => Promise<App | null>): Promise<AddonRecord> {
    const claim = await this.deps.store.claimMove(addon.id, MOVE_CLAIM_MS);
    if (!claim) throw new SlipwayError('conflict', `${addon.name} is being moved already: wait for that move to end.`, { status: 409 });
    try {
      // read again under the claim: a move that just ended changed its host
      const current = await this.deps.store.get(addon.id);
      if (!current) throw new SlipwayError('not_found', `${addon.name} is gone.`, { status: 404 });
      return await this.moveClaimed(current, requestedHost, backups, appsById);
    } finally {
      await this.deps.store.releaseMove(addon.id, claim);
    }
  }

  private async moveClaimed(addon: AddonRecord, requestedHost: string | undefined, backups: MoveBackups, appsById: (id: string) => Promise<App | null>): Promise<AddonRecord> {
    const target = moveTarget(addon, await this.deps.hosts.list(), requestedHost);
    if (target instanceof SlipwayError) throw target;
    const service = addon.service as AddonServiceName; // moveTarget refuses the others
    const resolved = resolvePlan(addon.plan, this.catalogue);
    if ('error' in resolved) throw new SlipwayError('invalid_params', resolved.error, { status: 422 });
    const from = addon.hostId;
    let step: MoveStep = 'capture';
    let port: number;
    try {
      const pending = await backups.capture(addon);
      const backup = pending.status === 'pending' || pending.status === 'running' ? await (backups.finished(addon.id, pending.id) ?? Promise.resolve(pending)) : pending;
      if (backup.status !== 'succeeded') throw new Error(backup.error ?? `the backup is ${backup.status}`);
      step = 'provision';
      const reply = await this.deps.agents.runAddon(target.id, {
        addonId: addon.id,
        name: addon.name,
        service,
        image: addon.image,
        env: { ...serverEnv(service, addon.credentials), ...planServerSettings(resolved.plan) },
        memoryMb: resolved.plan.memoryMb,
        cpus: resolved.plan.cpus,
      });
      if (!reply.ok || !reply.port) throw new Error(reply.error ?? 'the agent reported no port');
      port = reply.port;
      step = 'restore';
      await backups.restore({ ...addon, hostId: target.id }, backup.id);
    } catch (err) {
      if (step !== 'capture') await this.deps.agents.removeAddon(target.id, { addonId: addon.id }).catch(() => undefined);
      this.deps.logger.warn({ addon: addon.name, from, to: target.id, step, err: describeError(err) }, 'add-on move failed; it stays where it was');
      throw new SlipwayError(
        'addon_move_failed',
        `Could not move ${addon.name} to ${target.id}: ${moveStepWords(step, from, target.id)} failed (${describeError(err)}). It is still serving on ${from}; nothing was left on ${target.id}.`,
        { status: 503, expose: true, cause: err },
      );
    }
    step = 'switch';
    const moved: AddonRecord = { ...addon, hostId: target.id, address: target.address, port, updatedAt: new Date().toISOString() };
    await this.deps.store.save(moved);
    await this.publishUrl(moved, appsById, (name) => `Move ${name} to host ${target.id} (@ref:${addon.name})`);
    step = 'retire';
    // moved already: an old server left behind is logged for the operator, not undone
    const removed = await this.deps.agents.removeAddon(from, { addonId: addon.id }).catch((err: unknown) => ({ ok: false, error: describeError(err) }));
    if (!removed.ok) this.deps.logger.warn({ addon: addon.name, host: from, err: removed.error }, `add-on moved, but ${moveStepWords(step, from, target.id)} failed: remove it by hand`);
    this.deps.logger.info({ addon: addon.name, from, to: target.id }, 'add-on moved');
    return moved;
  }

  /** The add-on's URL (as its record says now) on every attached app, a release each. */
  private async publishUrl(addon: AddonRecord, appsById: (id: string) => Promise<App | null>, description: (attachment: string) => string): Promise<void> {
    const url = addonUrl(addon.service as 'postgresql' | 'redis', addon.credentials, addon.name, addon.port!);
    for (const attachment of await this.deps.store.attachmentsOf(addon.id)) {
      const app = await appsById(attachment.appId);
      if (app) await this.deps.releaser.changeConfig(app, { [`${attachment.name}_URL`]: url }, description(attachment.name));
    }
  }

  /** `addons:upgrade`/`addons:downgrade`: the server made again with the new plan's limits, on the
   *  same host, volume and port (its URL, so the apps' config, unchanged); refused (422) when the
   *  data it holds does not fit the new plan's storage. */
  async changePlan(addon: AddonRecord, planSpec: string): Promise<AddonRecord> {
    const service = addon.service;
    if (addon.partner || !isBuiltinService(service)) throw new SlipwayError('invalid_params', `${addon.name} runs at its partner: its plan is not changed here.`, { status: 422 });
    const resolved = resolvePlan(planSpec, this.catalogue);
    if ('error' in resolved) throw new SlipwayError('invalid_params', resolved.error, { status: 422 });
    if (resolved.plan.name === addon.plan) return addon;
    if (addon.port === null) throw new SlipwayError('conflict', `${addon.name} is not provisioned yet.`, { status: 409 });
    const measured = resolved.service.name === addon.service ? await this.info(addon) : null;
    const currentPlan = resolvePlan(addon.plan, this.catalogue);
    const current = 'error' in currentPlan ? addon : { ...addon, version: currentPlan.plan.version, stack: currentPlan.plan.stack };
    // the database's size, as the storage limit is enforced on (storage-limit.ts)
    const refusal = planChangeRefusal(current, resolved, measured?.bytes ?? null);
    if (refusal) throw refusal;
    const { plan } = resolved;
    const reply = await this.deps.agents.runAddon(addon.hostId, {
      addonId: addon.id,
      name: addon.name,
      service,
      image: addon.image,
      env: { ...serverEnv(service, addon.credentials), ...planServerSettings(plan) },
      memoryMb: plan.memoryMb,
      cpus: plan.cpus,
      recreate: true,
      port: addon.port,
    });
    if (!reply.ok) throw new SlipwayError('addon_plan_change_failed', `Could not move ${addon.name} to ${plan.name}: ${reply.error ?? 'no reason given'}`, { status: 503, expose: true });
    const changed: AddonRecord = { ...addon, plan: plan.name, updatedAt: new Date().toISOString() };
    await this.deps.store.save(changed);
    // its time so far under the old plan, from now under the new one
    await this.deps.meter?.destroyed(addon);
    await this.deps.meter?.provisioned(changed);
    this.deps.logger.info({ addon: addon.name, from: addon.plan, to: plan.name }, 'add-on plan changed');
    return changed;
  }

  /** What the add-on's server says of itself, asked on its host with its own credentials. */
  async info(addon: AddonRecord): Promise<AddonServerInfo> {
    const { user, password, database } = addon.credentials;
    const reply = await this.deps.agents.addonInfo(addon.hostId, { addonId: addon.id, user, password, database });
    if (!reply.ok || !reply.info) throw new SlipwayError('addon_unavailable', `${addon.name} did not answer: ${reply.error ?? 'no reason given'}`, { status: 503, expose: true });
    return reply.info;
  }

  /** When an app is deleted: its attachments go (no release: the app is going), and the add-ons it
   *  owns are destroyed with their data (detached from the other apps with a release there). */
  async purgeApp(appId: string, appsById: (id: string) => Promise<App | null>): Promise<void> {
    for (const attachment of await this.deps.store.attachments(appId)) await this.deps.store.detach(attachment);
    for (const addon of await this.deps.store.ownedBy(appId)) await this.destroy(addon, async (id) => (id === appId ? null : appsById(id)));
  }

  /** The add-on named (name or id), or a 404. */
  async find(ref: string): Promise<AddonRecord> {
    const addon = (await this.deps.store.byName(ref)) ?? (/^[0-9a-f-]{36}$/.test(ref) ? await this.deps.store.get(ref) : null);
    if (!addon) throw new SlipwayError('not_found', `Couldn't find that add-on: ${ref}.`, { status: 404 });
    return addon;
  }

  private async attachTo(addon: AddonRecord, app: App, name: string): Promise<AddonAttachmentRecord> {
    if (addon.port === null || !isBuiltinService(addon.service)) throw new Error(`${addon.name} has no port yet`);
    const attachment: AddonAttachmentRecord = { id: randomUUID(), addonId: addon.id, appId: app.id, name, createdAt: new Date().toISOString() };
    if (!(await this.deps.store.attach(attachment))) throw new SlipwayError('conflict', `${app.name} already has an add-on attached as ${name}.`, { status: 409 });
    const url = addonUrl(addon.service, addon.credentials, addon.name, addon.port);
    try {
      await this.deps.releaser.changeConfig(app, { [`${name}_URL`]: url }, `Attach ${name} (@ref:${addon.name})`);
    } catch (err) {
      await this.deps.store.detach(attachment);
      throw err;
    }
    return attachment;
  }
}
