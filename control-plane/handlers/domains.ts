import Router from '@koa/router';
import { z } from 'zod';
import { InvalidParamsError, NotFoundError } from '../../common/errors.js';
import { hostnameProblem, ipLiteralProblem } from '../../common/names.js';
import { loadApp } from '../http/load-app.js';
import { domainJson } from '../http/representations.js';
import { validateBody } from '../http/validate.js';
import type { Services } from '../services.js';

const addDomain = z.object({ hostname: z.string().min(1).max(253) });

export function domainHandlers(services: Services): Router {
  const router = new Router();
  const json = (app: { id: string; name: string }, hostname: string) => domainJson(app, hostname, services.urls.appsDomain);

  router.get('/apps/:app/domains', async (ctx) => {
    const app = await loadApp(ctx, services);
    const custom = await services.apps.domains(app.id);
    ctx.body = [`${app.name}.${services.urls.appsDomain}`, ...custom].map((h) => json(app, h));
  });

  router.post('/apps/:app/domains', async (ctx) => {
    const app = await loadApp(ctx, services);
    const hostname = validateBody(addDomain, ctx.request.body).hostname.toLowerCase();
    const problem = ipLiteralProblem(hostname) ?? hostnameProblem(hostname);
    if (problem) throw new InvalidParamsError(`Hostname is invalid: ${problem}.`);
    if (hostname === services.urls.appsDomain || hostname.endsWith(`.${services.urls.appsDomain}`)) {
      throw new InvalidParamsError(`Hostnames under ${services.urls.appsDomain} belong to the platform.`);
    }
    await services.apps.addDomain(app.id, hostname);
    await services.converger.publishRoute(app);
    ctx.status = 201;
    ctx.body = json(app, hostname);
  });

  router.delete('/apps/:app/domains/:hostname', async (ctx) => {
    const app = await loadApp(ctx, services);
    const hostname = ctx.params.hostname!.toLowerCase();
    if (!(await services.apps.removeDomain(app.id, hostname))) throw new NotFoundError(`Couldn't find that domain (${hostname}).`);
    await services.certificates.forgetHostname(hostname);
    await services.converger.publishRoute(app);
    ctx.body = json(app, hostname);
  });

  return router;
}
