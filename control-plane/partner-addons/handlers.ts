// Third-party add-ons over HTTP. For operators: registering a partner's manifest (its OAuth
// client secret shown then, once), rotating that secret, listing and removing services. For
// users: a partner add-on's plan change and `addons:open` (creating, sharing, detaching and
// destroying go through the add-on routes, handlers/addons.ts). For partners (before user token
// authentication): Heroku's token endpoint `POST /oauth/token`, and with the add-on's access
// token `PATCH /addons/{id}/config` and `POST /addons/{id}/actions/provision`. For the browser:
// the one-time SSO page that posts Heroku's SSO form to the partner.
import Router from '@koa/router';
import type { Middleware } from 'koa';
import { z } from 'zod';
import type { AddonOpenJson, PartnerAddonServiceJson, PartnerConfigVarJson } from '../../common/api-shapes.js';
import { SlipwayError } from '../../common/errors.js';
import type { User } from '../../common/types.js';
import { addonJson } from '../http/addon-representations.js';
import { bodyOf, spec } from '../http/api-spec.js';
import { requireAdmin } from '../http/auth.js';
import { loadApp } from '../http/load-app.js';
import { browserPage } from '../handlers/sso.js';
import type { Services } from '../services.js';
import type { AddonRecord } from '../store/addons.js';
import { partnerManifest } from './manifest.js';
import { tokenRequest } from './oauth.js';
import { ssoFormPage } from './partner-calls.js';
import type { PartnerService } from './store.js';

const planChange = z.object({ plan: z.union([z.string().min(1), z.object({ name: z.string().min(1) })]) });
const partnerConfig = z.object({ config: z.array(z.object({ name: z.string().min(1), value: z.string() })) });

export function partnerServiceJson({ manifest, createdAt }: PartnerService, tokenUrl: string, clientSecret?: string): PartnerAddonServiceJson {
  const defaultPlan = manifest.plans.find((p) => p.default) ?? manifest.plans[0]!;
  return {
    id: manifest.id,
    name: manifest.name,
    api_version: '3',
    regions: manifest.api.regions,
    requires: manifest.api.requires,
    config_vars: manifest.api.config_vars,
    base_url: manifest.api.production.base_url,
    sso_url: manifest.api.production.sso_url,
    plans: manifest.plans.map((p) => ({ name: p.name, description: p.description ?? null, price: { cents: p.price_cents, contract: false, unit: 'month' }, default: p === defaultPlan })),
    oauth_token_url: tokenUrl,
    ...(clientSecret ? { client_secret: clientSecret } : {}),
    created_at: createdAt,
  };
}

/** Behind token authentication. */
export function partnerAddonHandlers(services: Services): Router {
  const router = new Router();
  const partners = services.partnerAddons;
  const json = (service: PartnerService, clientSecret?: string) => partnerServiceJson(service, partners.oauthTokenUrl(), clientSecret);

  router.post('/partner-addon-services', spec({ summary: 'Registers a third-party add-on service from its Heroku add-on manifest (operators)', body: partnerManifest, response: { shape: 'PartnerAddonServiceJson', status: 201 } }), requireAdmin, async (ctx) => {
    const { service, clientSecret } = await partners.register(bodyOf(ctx, partnerManifest));
    ctx.status = 201;
    ctx.set('cache-control', 'no-store');
    ctx.body = json(service, clientSecret);
  });
  router.post('/partner-addon-services/:service/actions/rotate-secret', spec({ summary: 'A new OAuth client secret for a third-party add-on service, shown this once; the old one stops working (operators)', response: { shape: 'PartnerAddonServiceJson', status: 201 } }), requireAdmin, async (ctx) => {
    const { service, clientSecret } = await partners.rotateSecret(ctx.params.service!);
    ctx.status = 201;
    ctx.set('cache-control', 'no-store');
    ctx.body = json(service, clientSecret);
  });
  router.get('/partner-addon-services', spec({ summary: 'The registered third-party add-on services (operators)', response: { shape: 'PartnerAddonServiceJson', list: true } }), requireAdmin, async (ctx) => {
    ctx.body = (await partners.list()).map((service) => json(service));
  });
  router.get('/partner-addon-services/:service', spec({ summary: 'One registered third-party add-on service (operators)', response: { shape: 'PartnerAddonServiceJson' } }), requireAdmin, async (ctx) => {
    ctx.body = json(await partners.service(ctx.params.service!));
  });
  router.delete('/partner-addon-services/:service', spec({ summary: 'Removes a third-party add-on service that has no add-ons left (operators)', response: { shape: 'PartnerAddonServiceJson' } }), requireAdmin, async (ctx) => {
    ctx.body = json(await partners.remove(ctx.params.service!));
  });

  /** The app's own partner add-on, or null (someone else's route then: a built-in's). */
  const ownPartnerAddon = async (appId: string, ref: string): Promise<AddonRecord | null> => {
    const addon = await services.addons.find(ref);
    if (!addon.partner) return null;
    if (addon.appId !== appId) throw new SlipwayError('not_found', `Couldn't find that add-on: ${ref}.`, { status: 404 });
    return addon;
  };

  // Heroku's plan change; built-in add-ons fall through to their own route.
  router.patch('/apps/:app/addons/:addon', spec({ summary: 'Changes a third-party add-on’s plan through its partner', body: planChange, response: { shape: 'AddonJson' } }), async (ctx, next) => {
    const app = await loadApp(ctx, services, 'change');
    const addon = await ownPartnerAddon(app.id, ctx.params.addon!);
    if (!addon) return next();
    const body = bodyOf(ctx, planChange);
    const changed = await partners.changePlan(addon, typeof body.plan === 'string' ? body.plan : body.plan.name, (id) => services.apps.get(id));
    ctx.body = addonJson(changed, app, await services.addons.store.attachments(app.id));
  });

  router.post('/apps/:app/addons/:addon/actions/open', spec({ summary: 'A one-time URL that signs the caller in to a third-party add-on’s dashboard (Heroku’s SSO)', response: { shape: 'AddonOpenJson', status: 201 } }), async (ctx) => {
    // the partner's dashboard changes the add-on: those who may change the app, not its viewers
    const app = await loadApp(ctx, services, 'change');
    const ref = ctx.params.addon!;
    const addon = await services.addons.find(ref);
    const attached = (await services.addons.store.attachments(app.id)).some((a) => a.addonId === addon.id);
    if (addon.appId !== app.id && !attached) throw new SlipwayError('not_found', `Couldn't find that add-on: ${ref}.`, { status: 404 });
    if (!addon.partner) throw new SlipwayError('invalid_params', `${addon.name} has no dashboard to open: it is run by the platform.`, { status: 422 });
    const opened = await partners.openUrl(addon, ctx.state.user as User);
    const body: AddonOpenJson = { web_url: opened.webUrl, expires_at: opened.expiresAt };
    ctx.status = 201;
    ctx.body = body;
  });
  return router;
}

/** Before user token authentication: partners (their grant, client secret and add-on tokens)
 *  and browsers (a one-time ticket). `form` parses JSON or a form (Heroku's token endpoint takes
 *  `application/x-www-form-urlencoded`, as OAuth clients send). */
export function partnerFacingHandlers(services: Services, bodies: { json: Middleware[]; form: Middleware[] }): Router {
  const router = new Router();
  const partners = services.partnerAddons;
  const appsById = (id: string) => services.apps.get(id);
  const { json } = bodies;

  router.post('/oauth/token', spec({ summary: 'The add-on partner exchanges its provisioning grant code, or a refresh token, with its client secret for an access token to its one add-on (Heroku’s id.heroku.com/oauth/token; form-encoded or JSON)', body: tokenRequest, bodyAlsoForm: true, response: { shape: 'PartnerOAuthTokenJson' } }), ...bodies.form, async (ctx) => {
    // RFC 6749 §5.1: token answers are never cached
    ctx.set('cache-control', 'no-store');
    ctx.set('pragma', 'no-cache');
    ctx.body = await partners.oauth.exchange(bodyOf(ctx, tokenRequest));
  });

  router.patch('/addons/:addon/config', spec({ summary: 'The partner sets its add-on’s config vars (Heroku’s partner API; Bearer: the add-on’s OAuth access token)', body: partnerConfig, response: { shape: 'PartnerConfigVarJson', list: true } }), ...json, async (ctx) => {
    const { addon, manifest } = await partners.oauth.authenticate(ctx.params.addon!, ctx.get('authorization') || undefined);
    const changed = await partners.setConfigFromPartner(addon, manifest, bodyOf(ctx, partnerConfig).config, appsById);
    const body: PartnerConfigVarJson[] = Object.entries(changed.partner!.config).map(([name, value]) => ({ name, value }));
    ctx.body = body;
  });

  router.post('/addons/:addon/actions/provision', spec({ summary: 'The partner marks its add-on provisioned (async provisioning; Bearer: the add-on’s OAuth access token)', response: { shape: 'AddonJson' } }), async (ctx) => {
    const { addon } = await partners.oauth.authenticate(ctx.params.addon!, ctx.get('authorization') || undefined);
    const changed = await partners.markProvisioned(addon);
    const owner = await services.apps.get(changed.appId);
    if (!owner) throw new SlipwayError('not_found', 'The add-on’s app is gone.', { status: 404 });
    ctx.body = addonJson(changed, owner, await services.addons.store.attachments(owner.id));
  });

  router.get('/addon-sso/:ticket', spec({ summary: 'The browser’s page that posts Heroku’s SSO form to the partner (one-time link from addons:open)', response: { browser: 'page' } }), async (ctx) => {
    ctx.set('cache-control', 'no-store');
    ctx.type = 'html';
    try {
      const form = await partners.ssoForm(ctx.params.ticket!, services.users, async (id) => (await services.apps.get(id))?.name ?? null);
      ctx.body = ssoFormPage(form.action, form.params);
    } catch (err) {
      // the browser gets its errors as a page too
      const known = err instanceof SlipwayError && err.expose;
      if (!known) services.logger.warn({ err }, 'add-on single sign-on failed');
      ctx.status = known ? err.status : 500;
      ctx.body = browserPage('Could not open the add-on', known ? err.message : 'Opening the add-on failed on the platform: run addons:open again.');
    }
  });
  return router;
}
