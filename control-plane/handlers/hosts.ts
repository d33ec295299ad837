import Router from '@koa/router';
import { z } from 'zod';
import { InvalidParamsError, NotFoundError, SlipwayError } from '../../common/errors.js';
import { requireAdmin } from '../http/auth.js';
import { hostJson } from '../http/representations.js';
import { bodyOf, queryOf, spec } from '../http/api-spec.js';
import type { Services } from '../services.js';
import { drainRefusal } from '../hosts/addon-holdings.js';

const addHosts = z.object({ count: z.number().int().min(1).max(20) });
const drain = z.object({ force: z.enum(['true', 'false']).default('false') });

export function hostHandlers(services: Services): Router {
  const router = new Router();
  router.use('/hosts', requireAdmin);

  const provider = () => {
    if (!services.hostService) throw new SlipwayError('no_provider', 'No host provider is configured.', { status: 501, expose: true });
    return services.hostService;
  };

  router.get('/hosts', spec({ summary: 'Hosts (operators)', response: { shape: 'HostJson', list: true } }), async (ctx) => {
    const hosts = await services.hosts.list();
    ctx.body = await Promise.all(
      hosts.map(async (h) => hostJson(h, (await services.instances.listForHost(h.id)).filter((i) => i.state !== 'down').length)),
    );
  });

  router.post('/hosts', spec({ summary: 'Adds hosts from the provider (operators)', body: addHosts, response: { shape: 'HostJson', list: true, status: 201 } }), async (ctx) => {
    const { count } = bodyOf(ctx, addHosts);
    const added = await provider().add(count);
    ctx.status = 201;
    ctx.body = added.map((h) => hostJson(h, 0));
  });

  router.get('/hosts/:id', spec({ summary: 'One host (operators)', response: { shape: 'HostJson' } }), async (ctx) => {
    const host = await services.hosts.get(ctx.params.id!);
    if (!host) throw new NotFoundError(`Couldn't find that host (${ctx.params.id}).`);
    ctx.body = hostJson(host, (await services.instances.listForHost(host.id)).length);
  });

  // Drain, then remove: 202 at once, the work goes on in the background. A host holding add-ons'
  // data is refused (409) unless forced; an operator moves PostgreSQL add-ons off it first (addons:move, hosts/addon-holdings.ts).
  router.delete('/hosts/:id', spec({ summary: 'Drains and removes a host (operators); refused while it holds add-ons, unless force=true', query: drain, response: { shape: 'HostJson', status: 202 } }), async (ctx) => {
    const host = await services.hosts.get(ctx.params.id!);
    if (!host) throw new NotFoundError(`Couldn't find that host (${ctx.params.id}).`);
    const query = queryOf(ctx, drain);
    if (!query.success) throw new InvalidParamsError('force is true or false.');
    const refusal = drainRefusal(host.id, await services.addons.store.all(), query.data.force === 'true');
    if (refusal) throw refusal;
    void provider().drainAndRemove(host.id);
    ctx.status = 202;
    ctx.body = hostJson({ ...host, state: host.state === 'down' ? 'down' : 'draining' }, 0);
  });

  return router;
}
