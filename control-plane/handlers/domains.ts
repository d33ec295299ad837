import Router from '@koa/router';
import { z } from 'zod';
import { InvalidParamsError, NotFoundError } from '../../common/errors.js';
import { hostnameProblem, ipLiteralProblem } from '../../common/names.js';
import type { App } from '../../common/types.js';
import type { SniEndpoint } from '../certificates/store.js';
import type { AcmDomainState } from '../acme/policy.js';
import { loadApp } from '../http/load-app.js';
import { domainJson } from '../http/representations.js';
import { bodyOf, spec } from '../http/api-spec.js';
import type { Services } from '../services.js';

const addDomain = z.object({ hostname: z.string().min(1).max(253) });
const domainUpdate = z.object({ sni_endpoint: z.string().min(1) });

export function domainHandlers(services: Services): Router {
  const router = new Router();
  const json = (app: { id: string; name: string }, hostname: string, endpoints: readonly SniEndpoint[] = [], acm: ReadonlyMap<string, AcmDomainState> = new Map()) =>
    domainJson(app, hostname, services.urls.appsDomain, endpoints.find((e) => e.hostnames.includes(hostname)) ?? null, acm.get(hostname) ?? null);
  /** ACM's state of the app's domains, when it is on. */
  const acmStates = async (app: App) => (app.acm && services.acm ? services.acm.states(app) : new Map<string, AcmDomainState>());
  /** The app's custom domain named in the URL, or a 404. */
  const customDomain = async (app: App, ref: string) => {
    const hostname = ref.toLowerCase();
    const domains = await services.apps.domains(app.id);
    const found = domains.find((h) => h === hostname || domainJson(app, h, services.urls.appsDomain).id === ref);
    if (!found) throw new NotFoundError(`Couldn't find that domain (${ref}).`);
    return found;
  };

  router.get('/apps/:app/domains', spec({ summary: 'The app’s hostnames: the default one and custom ones', response: { shape: 'DomainJson', list: true } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    const custom = await services.apps.domains(app.id);
    const endpoints = await services.certificates.list(app.id);
    const acm = await acmStates(app);
    ctx.body = [`${app.name}.${services.urls.appsDomain}`, ...custom].map((h) => json(app, h, endpoints, acm));
  });

  router.get('/apps/:app/domains/:hostname', spec({ summary: 'One custom domain', response: { shape: 'DomainJson' } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    ctx.body = json(app, await customDomain(app, ctx.params.hostname!), await services.certificates.list(app.id), await acmStates(app));
  });

  // Heroku's association of a domain with a certificate (`certs:add` asks which). Slipway serves
  // each hostname with the newest certificate that covers it, so this checks, and says so.
  router.patch('/apps/:app/domains/:hostname', spec({ summary: 'Checks a domain’s certificate (Heroku’s association)', body: domainUpdate, response: { shape: 'DomainJson' } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    const hostname = await customDomain(app, ctx.params.hostname!);
    const { sni_endpoint: ref } = bodyOf(ctx, domainUpdate);
    const endpoints = await services.certificates.list(app.id);
    const endpoint = endpoints.find((e) => e.id === ref);
    if (!endpoint) throw new NotFoundError(`Couldn't find that SNI endpoint (${ref}).`);
    if (!endpoint.hostnames.includes(hostname)) throw new InvalidParamsError(`${hostname} is served by a newer certificate, or not covered by this one.`);
    ctx.body = json(app, hostname, endpoints);
  });

  router.post('/apps/:app/domains', spec({ summary: 'Routes a custom hostname to the app', body: addDomain, response: { shape: 'DomainJson', status: 201 } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    const hostname = bodyOf(ctx, addDomain).hostname.toLowerCase();
    const problem = ipLiteralProblem(hostname) ?? hostnameProblem(hostname);
    if (problem) throw new InvalidParamsError(`Hostname is invalid: ${problem}.`);
    if (hostname === services.urls.appsDomain || hostname.endsWith(`.${services.urls.appsDomain}`)) {
      throw new InvalidParamsError(`Hostnames under ${services.urls.appsDomain} belong to the platform.`);
    }
    if (!(await services.apps.domains(app.id)).includes(hostname)) await services.plans.admitDomain(app);
    await services.apps.addDomain(app.id, hostname);
    await services.converger.publishRoute(app);
    ctx.status = 201;
    ctx.body = json(app, hostname);
  });

  router.delete('/apps/:app/domains/:hostname', spec({ summary: 'Stops routing a custom hostname', response: { shape: 'DomainJson' } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    const hostname = ctx.params.hostname!.toLowerCase();
    if (!(await services.apps.removeDomain(app.id, hostname))) throw new NotFoundError(`Couldn't find that domain (${hostname}).`);
    await services.certificates.forgetHostname(hostname);
    // a certificate ACM issued for this domain alone goes with it, and so does its ACM state
    await services.certificates.removeAcm(app.id, hostname);
    await services.acmStore.forget(app.id, hostname);
    await services.converger.publishRoute(app);
    ctx.body = json(app, hostname);
  });

  return router;
}
