// Third-party add-ons: a registered partner service is called to provision, change plan and
// deprovision (Heroku's Add-on Partner API v3); the config it returns is set on the app as a
// release, renamed per attachment. A failure leaves no half-made add-on: no record, no
// attachment, no config var, and a provision that may have happened at the partner is undone.
import { randomBytes, randomUUID } from 'node:crypto';
import { SlipwayError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { App, User } from '../../common/types.js';
import { addonName } from '../addons/plan.js';
import type { Releaser } from '../releases/service.js';
import type { AddonAttachmentRecord, AddonRecord, AddonStore } from '../store/addons.js';
import { sendWithRetries, type PartnerClient, type PartnerEndpoint, type RetryPolicy } from './client.js';
import { configVarPrefix, partnerPlan, type PartnerManifest, type PartnerPlan } from './manifest.js';
import {
  allowedConfig,
  attachmentConfigVarNames,
  attachmentConfigVars,
  deprovisioned,
  deprovisionRequest,
  partnerAttachmentName,
  planChangeRequest,
  provisionRequest,
  readProvisioning,
  ssoParams,
} from './partner-calls.js';
import type { OAuthGrantJson } from './oauth.js';
import { newClientSecret, type PartnerOAuth } from './oauth-service.js';
import type { PartnerService, PartnerServiceStore } from './store.js';

export interface PartnerAddonsDeps {
  store: AddonStore;
  services: PartnerServiceStore;
  client: PartnerClient;
  retry: RetryPolicy;
  releaser: Pick<Releaser, 'changeConfig'>;
  logger: Logger;
  /** the API's public URL, for Heroku's callback_url and the SSO page */
  apiUrl: () => string;
  /** how long a provisioning call may take (the partner client's deadline) */
  callTimeoutMs: number;
  /** grant codes and the tokens partners get for them */
  oauth: PartnerOAuth;
}

/** A service as registered or rotated: the client secret, this once. */
export interface ServiceWithSecret {
  service: PartnerService;
  clientSecret: string;
}

/** Past its call's deadline by this much, a record still waiting for the partner's first answer
 *  has no create left to finish it. */
const SWEEP_GRACE_MS = 60_000;

const NAME = /^[A-Z][A-Z0-9_]*$/;
const SSO_TICKET_SECONDS = 60;

const endpointOf = (manifest: PartnerManifest): PartnerEndpoint => ({ baseUrl: manifest.api.production.base_url, id: manifest.id, password: manifest.api.password });
const unavailable = (what: string, reason: string) => new SlipwayError('addon_partner_failed', `${what}: ${reason}.`, { status: 503, expose: true });
const refused = (message: string) => new SlipwayError('addon_partner_refused', message, { status: 422 });

export class PartnerAddons {
  constructor(private readonly deps: PartnerAddonsDeps) {}

  // --- the operator's registry -------------------------------------------------------------

  /** Partners authenticate to the platform with the OAuth client secret made here. */
  async register(manifest: PartnerManifest): Promise<ServiceWithSecret> {
    const { secret, hash } = newClientSecret();
    const service: PartnerService = { manifest, createdAt: new Date().toISOString(), clientSecretHash: hash };
    if (!(await this.deps.services.create(service))) throw new SlipwayError('conflict', `An add-on service ${manifest.id} is registered already: remove it first.`, { status: 409 });
    this.deps.logger.info({ service: manifest.id }, 'partner add-on service registered');
    return { service, clientSecret: secret };
  }

  /** A new client secret; the old one stops working for new exchanges and refreshes at once
   *  (tokens already issued live out their time). */
  async rotateSecret(id: string): Promise<ServiceWithSecret> {
    const { secret, hash } = newClientSecret();
    const service = { ...(await this.service(id)), clientSecretHash: hash };
    await this.deps.services.save(service);
    this.deps.logger.info({ service: id }, 'partner add-on service client secret rotated');
    return { service, clientSecret: secret };
  }

  get oauth(): PartnerOAuth {
    return this.deps.oauth;
  }

  /** Where partners exchange grants: the API's `/oauth/token`, beside their callbacks. */
  oauthTokenUrl(): string {
    return `${this.deps.apiUrl()}/oauth/token`;
  }

  list(): Promise<PartnerService[]> {
    return this.deps.services.list();
  }

  async service(id: string): Promise<PartnerService> {
    const service = await this.deps.services.get(id);
    if (!service) throw new SlipwayError('not_found', `Couldn't find that add-on service: ${id}.`, { status: 404 });
    return service;
  }

  /** Refused while add-ons of it exist: they would be left with no partner to call. */
  async remove(id: string): Promise<PartnerService> {
    const service = await this.service(id);
    const left = await this.deps.services.addonCount(id);
    if (left > 0) throw new SlipwayError('conflict', `${id} still has ${left} add-on(s): destroy them first.`, { status: 409 });
    await this.deps.services.remove(id);
    this.deps.logger.info({ service: id }, 'partner add-on service removed');
    return service;
  }

  // --- add-ons ------------------------------------------------------------------------------

  /** Whether `<service>[:<plan>]` names a registered partner service. */
  async offers(planSpec: string): Promise<boolean> {
    const [serviceName = ''] = planSpec.trim().split(':');
    return (await this.deps.services.get(serviceName.toLowerCase())) !== null;
  }

  private async resolve(planSpec: string): Promise<{ service: PartnerService; plan: PartnerPlan }> {
    const [serviceName = '', planName, ...rest] = planSpec.trim().split(':');
    const service = await this.service(serviceName.toLowerCase());
    const plan = rest.length > 0 ? null : partnerPlan(service.manifest, planName);
    if (!plan) throw new SlipwayError('invalid_params', `${service.manifest.id} has no plan ${JSON.stringify(planName)}: its plans are ${service.manifest.plans.map((p) => p.name).join(', ')}.`, { status: 422 });
    return { service, plan };
  }

  /** `addons:create <service>:<plan>`: the partner provisions it; its config is set on the app
   *  (a release) when it answers with it, or later through its callback (202, async). */
  async create(app: App, planSpec: string, options: { as?: string } = {}): Promise<{ addon: AddonRecord; attachment: AddonAttachmentRecord }> {
    const { service, plan } = await this.resolve(planSpec);
    const manifest = service.manifest;
    if (options.as !== undefined && !NAME.test(options.as)) throw new SlipwayError('invalid_params', 'An attachment name is upper-case letters, digits and underscores, starting with a letter.', { status: 422 });
    const prefix = configVarPrefix(manifest);
    const taken = new Set((await this.deps.store.attachments(app.id)).map((a) => a.name));
    const name = options.as ?? partnerAttachmentName(prefix, taken);
    if (taken.has(name)) throw new SlipwayError('conflict', `${app.name} already has an add-on attached as ${name}.`, { status: 409 });

    const at = new Date().toISOString();
    let addon: AddonRecord = {
      id: randomUUID(),
      name: addonName(manifest.id),
      service: manifest.id,
      plan: `${manifest.id}:${plan.name}`,
      appId: app.id,
      hostId: '',
      address: '',
      port: null,
      image: { repository: '', digest: '' },
      credentials: { user: '', password: '', database: '' },
      state: 'provisioning',
      partner: {
        providerId: null,
        config: {},
        configVarPrefix: prefix,
        configVars: manifest.api.config_vars,
        priceCents: plan.price_cents,
        region: manifest.api.regions[0]!,
        answerDueBy: new Date(Date.now() + this.deps.callTimeoutMs + SWEEP_GRACE_MS).toISOString(),
      },
      createdAt: at,
      updatedAt: at,
    };
    for (let tries = 0; !(await this.deps.store.create(addon)); tries += 1) {
      if (tries > 5) throw new SlipwayError('conflict', 'Could not find a free add-on name: try again.', { status: 409 });
      addon = { ...addon, name: addonName(manifest.id) };
    }
    await this.deps.services.track(manifest.id, addon.id);
    // The attachment exists before the partner is called: an async partner may call back at once.
    const attachment: AddonAttachmentRecord = { id: randomUUID(), addonId: addon.id, appId: app.id, name, createdAt: new Date().toISOString() };
    const attached = await this.deps.store.attach(attachment);
    const forget = async () => {
      await this.deps.oauth.revoke(addon.id);
      if (attached) await this.deps.store.detach(attachment);
      await this.deps.store.remove(addon);
      await this.deps.services.untrack(manifest.id, addon.id);
    };
    if (!attached) {
      await forget();
      throw new SlipwayError('conflict', `${app.name} already has an add-on attached as ${name}.`, { status: 409 });
    }

    let oauthGrant: OAuthGrantJson;
    try {
      oauthGrant = await this.deps.oauth.grant({ addonId: addon.id, serviceId: manifest.id });
    } catch (err) {
      await forget();
      throw err;
    }
    const call = provisionRequest({ uuid: addon.id, name: addon.name, plan: plan.name, region: addon.partner!.region, callbackUrl: `${this.deps.apiUrl()}/addons/${addon.id}`, options: {}, oauthGrant });
    const verdict = readProvisioning(manifest, await this.deps.client.send(endpointOf(manifest), call));
    if (verdict.kind === 'refused' || verdict.kind === 'failed') {
      if (verdict.kind === 'failed' && verdict.compensate) await this.deprovisionAtPartner(manifest, addon);
      await forget();
      if (verdict.kind === 'refused') throw refused(verdict.message);
      this.deps.logger.warn({ addon: addon.name, service: manifest.id, reason: verdict.reason }, 'partner add-on provisioning failed');
      throw unavailable(`Could not provision ${addon.plan}`, verdict.reason);
    }

    // destroyed while the partner was answering: undone at the partner too, not brought back
    const current = await this.deps.store.get(addon.id);
    if (!current) {
      await this.deprovisionAtPartner(manifest, addon);
      await forget();
      throw new SlipwayError('conflict', `${addon.name} was destroyed while it was being provisioned.`, { status: 409 });
    }
    try {
      const { answerDueBy: _answered, ...facts } = current.partner!;
      if (verdict.kind === 'accepted') {
        // what the partner may have set by now stays: only its id is added
        addon = { ...current, partner: { ...facts, providerId: verdict.providerId }, updatedAt: new Date().toISOString() };
        await this.deps.store.save(addon);
      } else {
        addon = { ...current, state: 'provisioned', partner: { ...facts, providerId: verdict.providerId, config: verdict.config }, updatedAt: new Date().toISOString() };
        await this.deps.store.save(addon);
        const vars = attachmentConfigVars(prefix, name, verdict.config);
        if (Object.keys(vars).length > 0) await this.deps.releaser.changeConfig(app, vars, `Attach ${name} (@ref:${addon.name})`);
      }
    } catch (err) {
      // Undone everywhere: at the partner, the attachment, the record.
      await this.deprovisionAtPartner(manifest, addon);
      await forget();
      throw err;
    }
    this.deps.logger.info({ addon: addon.name, app: app.name, service: manifest.id, plan: plan.name, state: addon.state }, 'partner add-on created');
    return { addon, attachment };
  }

  /** Sharing with another app: the same config under that attachment's names (a release there). */
  async attach(addon: AddonRecord, app: App, as?: string): Promise<AddonAttachmentRecord> {
    const facts = this.facts(addon);
    if (as !== undefined && !NAME.test(as)) throw new SlipwayError('invalid_params', 'An attachment name is upper-case letters, digits and underscores, starting with a letter.', { status: 422 });
    const existing = await this.deps.store.attachments(app.id);
    if (existing.some((a) => a.addonId === addon.id)) throw new SlipwayError('conflict', `${addon.name} is already attached to ${app.name}.`, { status: 409 });
    const name = as ?? partnerAttachmentName(facts.configVarPrefix, new Set(existing.map((a) => a.name)));
    const attachment: AddonAttachmentRecord = { id: randomUUID(), addonId: addon.id, appId: app.id, name, createdAt: new Date().toISOString() };
    if (!(await this.deps.store.attach(attachment))) throw new SlipwayError('conflict', `${app.name} already has an add-on attached as ${name}.`, { status: 409 });
    const vars = attachmentConfigVars(facts.configVarPrefix, name, facts.config);
    try {
      if (Object.keys(vars).length > 0) await this.deps.releaser.changeConfig(app, vars, `Attach ${name} (@ref:${addon.name})`);
    } catch (err) {
      await this.deps.store.detach(attachment);
      throw err;
    }
    return attachment;
  }

  async detach(attachment: AddonAttachmentRecord, addon: AddonRecord, app: App): Promise<void> {
    const facts = this.facts(addon);
    await this.deps.store.detach(attachment);
    const unset = Object.fromEntries(attachmentConfigVarNames(facts.configVarPrefix, attachment.name, facts.config).map((name) => [name, null]));
    if (Object.keys(unset).length > 0) await this.deps.releaser.changeConfig(app, unset, `Detach ${attachment.name}`);
  }

  /** The partner deprovisions first (retried after 5xx and timeouts); only then do the
   *  attachments' config vars go and the record with them. A partner that will not: nothing changes. */
  async destroy(addon: AddonRecord, appsById: (id: string) => Promise<App | null>): Promise<void> {
    const service = await this.service(addon.service);
    const outcome = await sendWithRetries(this.deps.client, endpointOf(service.manifest), deprovisionRequest(addon.id), this.deps.retry);
    if (!deprovisioned(outcome)) {
      const reason = outcome.kind === 'answered' ? `the partner answered ${outcome.status}` : outcome.kind === 'timeout' ? 'the partner did not answer in time' : `the partner could not be reached (${outcome.error})`;
      throw unavailable(`Could not deprovision ${addon.name}`, reason);
    }
    for (const attachment of await this.deps.store.attachmentsOf(addon.id)) {
      const app = await appsById(attachment.appId);
      if (app) await this.detach(attachment, addon, app);
      else await this.deps.store.detach(attachment);
    }
    await this.deps.oauth.revoke(addon.id);
    await this.deps.store.remove(addon);
    await this.deps.services.untrack(addon.service, addon.id);
    this.deps.logger.info({ addon: addon.name, service: addon.service }, 'partner add-on destroyed');
  }

  /** Heroku's plan change: `PUT {base_url}/{uuid}`; a refusal carries the partner's message. */
  async changePlan(addon: AddonRecord, planName: string, appsById: (id: string) => Promise<App | null>): Promise<AddonRecord> {
    const facts = this.facts(addon);
    const { service, plan } = await this.resolve(`${addon.service}:${planName.replace(/^[^:]*:/, '')}`);
    if (`${service.manifest.id}:${plan.name}` === addon.plan) return addon;
    const outcome = await sendWithRetries(this.deps.client, endpointOf(service.manifest), planChangeRequest(addon.id, plan.name), this.deps.retry);
    const verdict = readProvisioning(service.manifest, outcome, false);
    if (verdict.kind === 'refused') throw refused(verdict.message);
    if (verdict.kind !== 'done') throw unavailable(`Could not change ${addon.name} to ${plan.name}`, verdict.kind === 'failed' ? verdict.reason : 'unexpected answer');
    const changed: AddonRecord = { ...addon, plan: `${service.manifest.id}:${plan.name}`, partner: { ...facts, priceCents: plan.price_cents, config: { ...facts.config, ...verdict.config } }, updatedAt: new Date().toISOString() };
    await this.deps.store.save(changed);
    if (Object.keys(verdict.config).length > 0) await this.releaseConfig(changed, verdict.config, `Update ${addon.name} to ${plan.name}`, appsById);
    this.deps.logger.info({ addon: addon.name, plan: plan.name }, 'partner add-on plan changed');
    return changed;
  }

  /** Undoes add-ons whose provisioning call was never answered here (a control plane stopped
   *  mid-call): deprovisioned at the partner, their attachments and records removed. */
  async sweepUnfinished(now = Date.now()): Promise<number> {
    let swept = 0;
    for (const { manifest } of await this.deps.services.list()) {
      for (const id of await this.deps.services.trackedAddons(manifest.id)) {
        const addon = await this.deps.store.get(id);
        if (!addon) {
          await this.deps.services.untrack(manifest.id, id);
          continue;
        }
        const due = addon.partner?.answerDueBy;
        if (!due || Date.parse(due) > now) continue;
        await this.deprovisionAtPartner(manifest, addon);
        for (const attachment of await this.deps.store.attachmentsOf(addon.id)) await this.deps.store.detach(attachment);
        await this.deps.oauth.revoke(addon.id);
        await this.deps.store.remove(addon);
        await this.deps.services.untrack(manifest.id, addon.id);
        this.deps.logger.warn({ addon: addon.name, service: manifest.id }, 'partner add-on left mid-provisioning by a stopped control plane: undone');
        swept += 1;
      }
    }
    return swept;
  }

  // --- the partner's side (Heroku's partner-facing API) ------------------------------------

  /** `PATCH /addons/{id}/config` from the partner: only the manifest's vars, set on every
   *  attachment's app (a release each). */
  async setConfigFromPartner(addon: AddonRecord, manifest: PartnerManifest, entries: { name: string; value: string }[], appsById: (id: string) => Promise<App | null>): Promise<AddonRecord> {
    const facts = this.facts(addon);
    const given = Object.fromEntries(entries.map((e) => [e.name, e.value]));
    const unknown = Object.keys(given).filter((name) => !manifest.api.config_vars.includes(name));
    if (unknown.length > 0) throw new SlipwayError('invalid_params', `config: ${unknown.join(', ')} not in the manifest's api.config_vars`, { status: 422 });
    const config = allowedConfig(manifest, given);
    const changed: AddonRecord = { ...addon, partner: { ...facts, config: { ...facts.config, ...config } }, updatedAt: new Date().toISOString() };
    await this.deps.store.save(changed);
    await this.releaseConfig(changed, config, `Update ${addon.name} config`, appsById);
    return changed;
  }

  /** `POST /addons/{id}/actions/provision` from the partner: the async provisioning is done. */
  async markProvisioned(addon: AddonRecord): Promise<AddonRecord> {
    const changed: AddonRecord = { ...addon, state: 'provisioned', updatedAt: new Date().toISOString() };
    await this.deps.store.save(changed);
    this.deps.logger.info({ addon: addon.name }, 'partner add-on provisioned (async)');
    return changed;
  }

  // --- single sign-on -----------------------------------------------------------------------

  /** A one-time URL the browser opens (no API token there) to be sent on to the partner. */
  async openUrl(addon: AddonRecord, user: User): Promise<{ webUrl: string; expiresAt: string }> {
    this.facts(addon);
    const ticket = randomBytes(24).toString('base64url');
    await this.deps.services.putTicket(ticket, { addonId: addon.id, userId: user.id }, SSO_TICKET_SECONDS);
    return { webUrl: `${this.deps.apiUrl()}/addon-sso/${ticket}`, expiresAt: new Date(Date.now() + SSO_TICKET_SECONDS * 1000).toISOString() };
  }

  /** The ticket's form for the partner's sso_url, signed now (Heroku's timestamps are checked for age). */
  async ssoForm(ticket: string, users: { get(id: string): Promise<User | null> }, appName: (appId: string) => Promise<string | null>): Promise<{ action: string; params: Record<string, string> }> {
    const expired = new SlipwayError('not_found', 'This link has expired or was used already: run addons:open again.', { status: 404 });
    const taken = await this.deps.services.takeTicket(ticket);
    const addon = taken ? await this.deps.store.get(taken.addonId) : null;
    const user = taken ? await users.get(taken.userId) : null;
    if (!taken || !addon || !user || !addon.partner) throw expired;
    const service = await this.service(addon.service);
    const app = (await appName(addon.appId)) ?? '';
    const params = ssoParams({ resourceId: addon.id, salt: service.manifest.api.sso_salt, timestamp: Math.floor(Date.now() / 1000), email: user.email, userId: user.id, app, addon: addon.name });
    return { action: service.manifest.api.production.sso_url, params };
  }

  // ------------------------------------------------------------------------------------------

  private facts(addon: AddonRecord) {
    if (!addon.partner) throw new SlipwayError('invalid_params', `${addon.name} is not a third-party add-on.`, { status: 422 });
    return addon.partner;
  }

  private async releaseConfig(addon: AddonRecord, config: Record<string, string>, description: string, appsById: (id: string) => Promise<App | null>): Promise<void> {
    for (const attachment of await this.deps.store.attachmentsOf(addon.id)) {
      const app = await appsById(attachment.appId);
      if (app) await this.deps.releaser.changeConfig(app, attachmentConfigVars(addon.partner!.configVarPrefix, attachment.name, config), `${description} (@ref:${addon.name})`);
    }
  }

  /** Undoing a provision that may have happened; if even that fails, the uuid is logged for the operator. */
  private async deprovisionAtPartner(manifest: PartnerManifest, addon: AddonRecord): Promise<void> {
    const outcome = await sendWithRetries(this.deps.client, endpointOf(manifest), deprovisionRequest(addon.id), this.deps.retry);
    if (!deprovisioned(outcome)) this.deps.logger.error({ addon: addon.id, service: manifest.id, outcome: outcome.kind === 'answered' ? outcome.status : outcome.kind }, 'compensating deprovision failed: the partner may still hold this add-on');
  }
}
