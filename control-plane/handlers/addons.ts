// Heroku's add-ons, add-on attachments, add-on services and plans. The platform runs PostgreSQL
// and Redis itself (control-plane/addons/); an add-on belongs to one app, and attachments put its
// URL on that app and on others of the same owner. Reading add-ons needs view on an app they are
// attached to; creating, attaching, detaching and destroying need change.
import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { isBuiltinService, type AddonService } from '../../common/addons.js';
import type { AddonAttachmentJson, AddonInfoJson, AddonMoveJson } from '../../common/api-shapes.js';
import { SlipwayError } from '../../common/errors.js';
import type { App, User } from '../../common/types.js';
import { loadApp } from '../http/load-app.js';
import { requireAdmin } from '../http/auth.js';
import { logApiEvent } from '../http/api-events.js';
import { platformEvents } from '../apps/platform-events.js';
import { bodyOf, spec } from '../http/api-spec.js';
import { addonAttachmentJson, addonJson, writeAccessJson, addonPlanJson, addonServiceJson, findAddonPlan, findAddonService, partnerPlanJson, partnerServiceJson } from '../http/addon-representations.js';
import type { PartnerService } from '../partner-addons/store.js';
import type { AddonAttachmentRecord, AddonRecord } from '../store/addons.js';
import type { Services } from '../services.js';
import { addonAvailability } from '../hosts/addon-holdings.js';
import { planUsage } from '../addons/plan-usage.js';

const appRef = z.union([z.string().min(1), z.object({ name: z.string().min(1) }), z.object({ id: z.string().min(1) })]);
const attachmentName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'letters, digits and underscores, starting with a letter').max(60);

// Heroku's body: `plan` a name (`heroku-postgresql:mini`) or {name}/{id}; `attachment.name` the
// config var stem; `config`, `confirm` and `name` are accepted (Slipway names add-ons itself).
const create = z.object({
  plan: z.union([z.string().min(1), z.object({ name: z.string().min(1) }), z.object({ id: z.string().min(1) })]),
  attachment: z.object({ name: attachmentName.optional() }).optional(),
  config: z.record(z.string(), z.string()).optional(),
  confirm: z.string().optional(),
  name: z.string().optional(),
});

const move = z.object({ host: z.string().min(1).optional() });

const planChange = z.object({ plan: z.union([z.string().min(1), z.object({ name: z.string().min(1) }), z.object({ id: z.string().min(1) })]) });

const attach = z.object({
  addon: appRef,
  app: appRef,
  name: attachmentName.optional(),
  confirm: z.string().optional(),
  namespace: z.string().nullable().optional(),
});

const resolveAddon = z.object({ addon: z.string().min(1), app: z.string().min(1).nullable().optional(), addon_service: z.string().nullable().optional() });
const resolveAttachment = z.object({ addon_attachment: z.string().min(1), app: z.string().min(1).nullable().optional(), addon_service: z.string().nullable().optional() });

const refName = (ref: z.infer<typeof appRef>): string => (typeof ref === 'string' ? ref : 'name' in ref ? ref.name : ref.id);

function planSpec(plan: z.infer<typeof create>['plan'], catalogue: readonly AddonService[]): string {
  const ref = refName(plan);
  // a plan's id: find its name
  for (const service of catalogue) {
    const found = findAddonPlan(service, ref);
    if (found && found.name !== ref && found.short !== ref) return found.name;
  }
  return ref.replace(/^heroku-/, '');
}

export function addonHandlers(services: Services): Router {
  const router = new Router();
  const { addons } = services;
  const store = addons.store;

  const appById = async (id: string): Promise<App> => {
    const app = await services.apps.get(id);
    if (!app) throw new SlipwayError('not_found', 'The add-on’s app is gone.', { status: 404 });
    return app;
  };
  // a partner's add-on runs at its partner, on none of our hosts
  const availability = async (addon: AddonRecord) => (addon.partner ? ({ available: true } as const) : addonAvailability(addon.hostId, await services.hosts.get(addon.hostId)));
  const representAddon = async (addon: AddonRecord) => {
    const owner = await appById(addon.appId);
    return addonJson(addon, owner, await store.attachments(owner.id), await availability(addon), addons.catalogue);
  };
  const representAttachment = async (attachment: AddonAttachmentRecord, app?: App) => {
    const addon = await store.get(attachment.addonId);
    if (!addon) throw new SlipwayError('not_found', 'The attachment’s add-on is gone.', { status: 404 });
    return addonAttachmentJson(attachment, addon, await appById(addon.appId), app ?? (await appById(attachment.appId)));
  };
  /** The add-on, if the caller may `action` an app it is attached to (its own app for change). */
  const loadAddon = async (ctx: Context, ref: string, action: 'view' | 'change'): Promise<AddonRecord> => {
    const addon = await addons.find(ref);
    const user = ctx.state.user as User;
    const owner = await appById(addon.appId);
    if (await services.access.may(owner, user, action)) return addon;
    if (action === 'view') {
      for (const attachment of await store.attachmentsOf(addon.id)) {
        const app = await services.apps.get(attachment.appId);
        if (app && (await services.access.may(app, user, 'view'))) return addon;
      }
    }
    throw new SlipwayError('not_found', `Couldn't find that add-on: ${ref}.`, { status: 404 });
  };
  const visibleApps = async (ctx: Context): Promise<App[]> => {
    const user = ctx.state.user as User;
    const visible: App[] = [];
    for (const app of await services.apps.list()) if (await services.access.may(app, user, 'view')) visible.push(app);
    return visible;
  };

  router.get('/addon-services', spec({ summary: 'The add-on services offered: the platform’s own (PostgreSQL, Redis) and registered third-party ones', response: { shape: 'AddonServiceJson', list: true } }), async (ctx) => {
    const partners = await services.partnerAddons.list();
    ctx.body = [
      ...addons.catalogue.map((service) => addonServiceJson(service, services.brand.name)),
      ...partners.map(({ manifest, createdAt }) => partnerServiceJson(manifest, createdAt)),
    ];
  });
  /** A built-in service, or a registered third-party one (by id or name). */
  const findService = async (ref: string): Promise<{ builtin: AddonService } | { partner: PartnerService }> => {
    const builtin = findAddonService(ref, addons.catalogue);
    if (builtin) return { builtin };
    const partners = await services.partnerAddons.list();
    const partner = partners.find(({ manifest }) => manifest.id === ref || partnerServiceJson(manifest, '').id === ref);
    if (partner) return { partner };
    const offered = [...addons.catalogue.map((s) => s.name), ...partners.map((p) => p.manifest.id)];
    throw new SlipwayError('not_found', `Couldn't find that add-on service: ${ref}. ${services.brand.name} offers ${offered.join(', ')}.`, { status: 404 });
  };
  const planNotFound = (ref: string) => new SlipwayError('not_found', `Couldn't find that plan: ${ref}.`, { status: 404 });
  router.get('/addon-services/:service', spec({ summary: 'One add-on service', response: { shape: 'AddonServiceJson' } }), async (ctx) => {
    const found = await findService(ctx.params.service!);
    ctx.body = 'builtin' in found ? addonServiceJson(found.builtin, services.brand.name) : partnerServiceJson(found.partner.manifest, found.partner.createdAt);
  });
  router.get('/addon-services/:service/plans', spec({ summary: 'An add-on service’s plans (size, price label)', response: { shape: 'AddonPlanJson', list: true } }), async (ctx) => {
    const found = await findService(ctx.params.service!);
    if ('builtin' in found) ctx.body = found.builtin.plans.map((plan) => addonPlanJson(found.builtin, plan));
    else ctx.body = found.partner.manifest.plans.map((plan) => partnerPlanJson(found.partner.manifest, plan, found.partner.createdAt));
  });
  router.get('/addon-services/:service/plans/:plan', spec({ summary: 'One plan of an add-on service', response: { shape: 'AddonPlanJson' } }), async (ctx) => {
    const found = await findService(ctx.params.service!);
    const ref = ctx.params.plan!;
    if ('builtin' in found) {
      const plan = findAddonPlan(found.builtin, ref);
      if (!plan) throw planNotFound(ref);
      ctx.body = addonPlanJson(found.builtin, plan);
      return;
    }
    const { manifest, createdAt } = found.partner;
    const plan = manifest.plans.find((p) => [p.name, `${manifest.id}:${p.name}`].includes(ref) || partnerPlanJson(manifest, p, createdAt).id === ref);
    if (!plan) throw planNotFound(ref);
    ctx.body = partnerPlanJson(manifest, plan, createdAt);
  });

  router.get('/addons', spec({ summary: 'The add-ons of every app the caller may view', response: { shape: 'AddonJson', list: true } }), async (ctx) => {
    const owned = (await Promise.all((await visibleApps(ctx)).map((app) => store.ownedBy(app.id)))).flat();
    ctx.body = await Promise.all(owned.map(representAddon));
  });
  router.get('/addons/:addon', spec({ summary: 'One add-on, by name or id', response: { shape: 'AddonJson' } }), async (ctx) => {
    ctx.body = await representAddon(await loadAddon(ctx, ctx.params.addon!, 'view'));
  });
  router.get('/addons/:addon/addon-attachments', spec({ summary: 'Where one add-on is attached', response: { shape: 'AddonAttachmentJson', list: true } }), async (ctx) => {
    const addon = await loadAddon(ctx, ctx.params.addon!, 'view');
    ctx.body = await Promise.all((await store.attachmentsOf(addon.id)).map((a) => representAttachment(a)));
  });

  router.get('/addons/:addon/info', spec({ summary: 'What the add-on’s server says of itself: version, size, connections, tables or keys (pg:info, redis:info)', response: { shape: 'AddonInfoJson' } }), async (ctx) => {
    const addon = await loadAddon(ctx, ctx.params.addon!, 'view');
    if (!isBuiltinService(addon.service)) throw new SlipwayError('invalid_params', `${addon.name} runs at its partner: open its dashboard (addons:open).`, { status: 422 });
    const reachable = await availability(addon);
    if (!reachable.available) throw new SlipwayError('addon_unavailable', `${addon.name} is unavailable: ${reachable.reason}.`, { status: 503, expose: true });
    const info = await addons.info(addon);
    const body: AddonInfoJson = {
      addon: { id: addon.id, name: addon.name },
      service: addon.service,
      plan: addon.plan,
      version: info.version,
      data_size_bytes: info.bytes,
      connections: info.connections,
      tables: addon.service === 'postgresql' ? info.objects : null,
      keys: addon.service === 'redis' ? info.objects : null,
      ...planUsage(addon, info, addons.catalogue),
      ...writeAccessJson(addon),
    };
    ctx.body = body;
  });

  // Heroku's pg:credentials:rotate (its Data API's, here the platform API's): the owner's app changes it.
  router.post('/addons/:addon/actions/rotate-credentials', spec({ summary: 'Gives a PostgreSQL add-on a new password and its attached apps the new URL (releases)', response: { shape: 'AddonJson' } }), async (ctx) => {
    const addon = await loadAddon(ctx, ctx.params.addon!, 'change');
    ctx.body = await representAddon(await addons.rotateCredentials(addon, (id) => services.apps.get(id)));
  });

  // addons:move (operators): a PostgreSQL or Redis add-on to another host by backup and restore, e.g. to empty
  // a host before draining it. Writes made between the backup's capture and the switch are lost.
  router.post('/addons/:addon/actions/move', spec({ summary: 'Moves a PostgreSQL or Redis add-on to another host by backup and restore (operators); its attached apps get the new URL (releases)', body: move, response: { shape: 'AddonMoveJson' } }), requireAdmin, async (ctx) => {
    const body = bodyOf(ctx, move);
    const addon = await addons.find(ctx.params.addon!);
    const moved = await addons.move(addon, body.host, services.backups, (id) => services.apps.get(id));
    const answer: AddonMoveJson = { addon: await representAddon(moved), from_host: addon.hostId, to_host: moved.hostId };
    ctx.body = answer;
  });

  router.get('/apps/:app/addons', spec({ summary: 'The add-ons attached to the app (its own and shared ones)', response: { shape: 'AddonJson', list: true } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    const attached = await store.attachments(app.id);
    const ids = [...new Set([...(await store.ownedBy(app.id)).map((a) => a.id), ...attached.map((a) => a.addonId)])];
    const found = (await Promise.all(ids.map((id) => store.get(id)))).filter((a): a is AddonRecord => a !== null);
    ctx.body = await Promise.all(found.map(representAddon));
  });
  router.get('/apps/:app/addons/:addon', spec({ summary: 'One add-on attached to the app', response: { shape: 'AddonJson' } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    const addon = await addons.find(ctx.params.addon!);
    const attached = (await store.attachments(app.id)).some((a) => a.addonId === addon.id);
    if (addon.appId !== app.id && !attached) throw new SlipwayError('not_found', `Couldn't find that add-on: ${ctx.params.addon}.`, { status: 404 });
    ctx.body = await representAddon(addon);
  });

  router.post('/apps/:app/addons', spec({ summary: 'Provisions an add-on (`postgresql:<plan>`, `redis:<plan>`) and sets its URL on the app (a new release)', body: create, response: { shape: 'AddonJson', status: 201 } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    const body = bodyOf(ctx, create);
    const as = body.attachment?.name?.toUpperCase();
    const { addon } = await addons.create(app, planSpec(body.plan, addons.catalogue), as === undefined ? {} : { as });
    logApiEvent(ctx, services, app, (email) => platformEvents.configChanged(`Attach ${addon.name}`, email));
    ctx.status = 201;
    ctx.body = await representAddon(addon);
  });

  // Heroku's add-on update (addons:upgrade, addons:downgrade): the owning app changes the plan.
  router.patch('/apps/:app/addons/:addon', spec({ summary: 'Changes an add-on’s plan: its server made again with the new limits on the same data; 422 when the data does not fit', body: planChange, response: { shape: 'AddonJson' } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    const body = bodyOf(ctx, planChange);
    const addon = await addons.find(ctx.params.addon!);
    if (addon.appId !== app.id) throw new SlipwayError('not_found', `${app.name} owns no add-on ${ctx.params.addon}.`, { status: 404 });
    const reachable = await availability(addon);
    if (!reachable.available) throw new SlipwayError('addon_unavailable', `${addon.name} is unavailable: ${reachable.reason}.`, { status: 503, expose: true });
    const changed = await addons.changePlan(addon, planSpec(body.plan, addons.catalogue));
    // a larger plan that makes room gives writes back now, not at the next pass (which retries a failure)
    const checked = changed.service === 'postgresql' && changed.plan !== addon.plan ? await services.addonStorage?.check(changed.id).catch(() => null) : null;
    ctx.body = await representAddon(checked ?? changed);
  });

  router.delete('/apps/:app/addons/:addon', spec({ summary: 'Destroys an add-on of the app: its data, its server and every attachment’s config var', response: { shape: 'AddonJson' } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    const addon = await addons.find(ctx.params.addon!);
    if (addon.appId !== app.id) throw new SlipwayError('not_found', `${app.name} owns no add-on ${ctx.params.addon}.`, { status: 404 });
    const json = await representAddon(addon);
    await addons.destroy(addon, (id) => services.apps.get(id));
    await services.backups.purge(addon.id);
    ctx.body = { ...json, state: 'deprovisioned', config_vars: [] };
  });

  router.get('/addon-attachments', spec({ summary: 'The add-on attachments of every app the caller may view', response: { shape: 'AddonAttachmentJson', list: true } }), async (ctx) => {
    const apps = await visibleApps(ctx);
    const all = (await Promise.all(apps.map(async (app) => (await store.attachments(app.id)).map((a) => representAttachment(a, app))))).flat();
    ctx.body = await Promise.all(all);
  });
  router.get('/apps/:app/addon-attachments', spec({ summary: 'The app’s add-on attachments', response: { shape: 'AddonAttachmentJson', list: true } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    ctx.body = await Promise.all((await store.attachments(app.id)).map((a) => representAttachment(a, app)));
  });
  router.get('/apps/:app/addon-attachments/:attachment', spec({ summary: 'One of the app’s attachments, by name or id', response: { shape: 'AddonAttachmentJson' } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    const ref = ctx.params.attachment!;
    const found = (await store.attachments(app.id)).find((a) => a.id === ref || a.name === ref.toUpperCase());
    if (!found) throw new SlipwayError('not_found', `Couldn't find that add-on attachment: ${ref}.`, { status: 404 });
    ctx.body = await representAttachment(found, app);
  });

  // Heroku's `addons:attach`: the add-on's URL on another app of the same owner (or team).
  router.post('/addon-attachments', spec({ summary: 'Attaches an add-on to another app of the same owner (a new release there)', body: attach, response: { shape: 'AddonAttachmentJson', status: 201 } }), async (ctx) => {
    const body = bodyOf(ctx, attach);
    const user = ctx.state.user as User;
    ctx.params.app = refName(body.app);
    const app = await loadApp(ctx, services, 'change');
    const addon = await loadAddon(ctx, refName(body.addon), 'view');
    const owner = await appById(addon.appId);
    if (!(await services.access.may(owner, user, 'change'))) throw new SlipwayError('forbidden', `You may not share ${addon.name}: it belongs to ${owner.name}.`, { status: 403 });
    if (owner.ownerId !== app.ownerId || (owner.teamId ?? null) !== (app.teamId ?? null)) {
      throw new SlipwayError('invalid_params', `${addon.name} can be attached only to apps of ${owner.name}'s owner.`, { status: 422 });
    }
    const attachment = await addons.attach(addon, app, body.name?.toUpperCase());
    ctx.status = 201;
    ctx.body = await representAttachment(attachment, app);
  });

  const detach = async (ctx: Context, attachment: AddonAttachmentRecord, app: App) => {
    const addon = await store.get(attachment.addonId);
    if (addon && addon.appId === app.id && (await store.attachmentsOf(addon.id)).filter((a) => a.appId === app.id).length === 1) {
      throw new SlipwayError('invalid_params', `${attachment.name} is ${addon.name}'s attachment to the app that owns it: destroy the add-on instead.`, { status: 422 });
    }
    const json = await representAttachment(attachment, app);
    await addons.detach(attachment, app);
    ctx.body = json;
  };
  router.delete('/addon-attachments/:attachment', spec({ summary: 'Detaches an add-on from an app (its config var goes, a new release)', response: { shape: 'AddonAttachmentJson' } }), async (ctx) => {
    const ref = ctx.params.attachment!;
    for (const app of await visibleApps(ctx)) {
      const found = (await store.attachments(app.id)).find((a) => a.id === ref);
      if (!found) continue;
      ctx.params.app = app.id;
      await loadApp(ctx, services, 'change');
      return detach(ctx, found, app);
    }
    throw new SlipwayError('not_found', `Couldn't find that add-on attachment: ${ref}.`, { status: 404 });
  });
  router.delete('/apps/:app/addon-attachments/:attachment', spec({ summary: 'Detaches an add-on from the app, by attachment name or id', response: { shape: 'AddonAttachmentJson' } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    const ref = ctx.params.attachment!;
    const found = (await store.attachments(app.id)).find((a) => a.id === ref || a.name === ref.toUpperCase());
    if (!found) throw new SlipwayError('not_found', `Couldn't find that add-on attachment: ${ref}.`, { status: 404 });
    await detach(ctx, found, app);
  });

  // Heroku's resolvers, which the stock CLI's addons:info, :destroy, :attach and :detach call:
  // an add-on by name, id or an attachment name of `app`; an attachment by name or id.
  router.post('/actions/addons/resolve', spec({ summary: 'Finds add-ons by name, id or attachment name (Heroku’s resolver)', body: resolveAddon, response: { shape: 'AddonJson', list: true } }), async (ctx) => {
    const body = bodyOf(ctx, resolveAddon);
    let addon: AddonRecord | null = null;
    if (body.app) {
      ctx.params.app = body.app;
      const app = await loadApp(ctx, services, 'view');
      const attachment = (await store.attachments(app.id)).find((a) => a.name === body.addon.toUpperCase() || a.id === body.addon);
      if (attachment) addon = await store.get(attachment.addonId);
    }
    addon ??= await loadAddon(ctx, body.addon, 'view');
    if (!addon || (body.addon_service && findAddonService(body.addon_service)?.name !== addon.service)) {
      throw new SlipwayError('not_found', `Couldn't find that add-on: ${body.addon}.`, { status: 404 });
    }
    ctx.body = [await representAddon(addon)];
  });
  router.post('/actions/addon-attachments/resolve', spec({ summary: 'Finds add-on attachments by name or id (Heroku’s resolver)', body: resolveAttachment, response: { shape: 'AddonAttachmentJson', list: true } }), async (ctx) => {
    const body = bodyOf(ctx, resolveAttachment);
    const ref = body.addon_attachment;
    const apps = body.app ? [await (async () => ((ctx.params.app = body.app!), loadApp(ctx, services, 'view')))()] : await visibleApps(ctx);
    const found: AddonAttachmentJson[] = [];
    for (const app of apps) {
      for (const attachment of await store.attachments(app.id)) {
        const addon = await store.get(attachment.addonId);
        const matches = attachment.id === ref || attachment.name === ref.toUpperCase() || addon?.name === ref;
        if (!matches || (body.addon_service && findAddonService(body.addon_service)?.name !== addon?.service)) continue;
        found.push(await representAttachment(attachment, app));
      }
    }
    if (found.length === 0) throw new SlipwayError('not_found', `Couldn't find that add-on attachment: ${ref}.`, { status: 404 });
    ctx.body = found;
  });

  return router;
}
