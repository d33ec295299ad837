// An add-on's client for a user (Heroku's `pg:psql` and `redis:cli`, which Heroku runs on the
// user's machine): here an attached one-off of the app, from the add-on's own image (it has psql
// and redis-cli), with the app's config, so it reaches the add-on as the app's dynos do (on its
// network by its name) as the stack's non-root user. Joined like `run`, through the attach URL.
import Router from '@koa/router';
import { z } from 'zod';
import { addonService, type AddonServiceName } from '../../common/addons.js';
import { SlipwayError } from '../../common/errors.js';
import { ttySize } from '../../common/protocol.js';
import { addonClientCommand, chooseAttachment } from '../addons/client-command.js';
import { addonAvailability } from '../hosts/addon-holdings.js';
import { bodyOf, spec } from '../http/api-spec.js';
import { loadApp } from '../http/load-app.js';
import { ATTACH_PATH_PREFIX } from '../one-offs/attach.js';
import { DEFAULT_ONE_OFF_TTL_SECONDS } from '../one-offs/detached.js';
import type { AddonRecord } from '../store/addons.js';
import type { Services } from '../services.js';
import { attachedDynoJson } from './dynos.js';
import { DEFAULT_DYNO_SIZE } from '../../common/types.js';

const clientRun = z.object({
  service: z.enum(['postgresql', 'redis']),
  /** an attachment name (DATABASE, HEROKU_POSTGRESQL_AMBER_URL) or an add-on's name; default: the primary */
  addon: z.string().min(1).max(100).optional(),
  /** `pg:psql -c`: SQL run once */
  sql: z.string().min(1).max(64 * 1024).optional(),
  /** `redis:cli GET key`: one command run once */
  words: z.array(z.string().max(64 * 1024)).min(1).max(100).optional(),
  tty: ttySize.optional(),
});

export function addonClientHandlers(services: Services): Router {
  const router = new Router();

  router.post('/apps/:app/addon-clients', spec({ summary: 'Runs an add-on’s client (psql, redis-cli) attached, as a one-off of the app (pg:psql, redis:cli)', body: clientRun, response: { shape: 'RunDynoJson', status: 201 } }), async (ctx) => {
    const app = await loadApp(ctx, services, 'change');
    const body = bodyOf(ctx, clientRun);
    if (body.service === 'postgresql' ? body.words !== undefined : body.sql !== undefined) throw new SlipwayError('invalid_params', body.service === 'postgresql' ? 'psql takes sql, not words.' : 'redis-cli takes words, not sql.', { status: 422 });
    const store = services.addons.store;
    const attached: { attachment: { name: string }; addon: AddonRecord }[] = [];
    for (const attachment of await store.attachments(app.id)) {
      const addon = await store.get(attachment.addonId);
      if (addon) attached.push({ attachment, addon });
    }
    const service = addonService(body.service as AddonServiceName)!;
    const chosen = chooseAttachment(attached, service.name, service.configVar.replace(/_URL$/, ''), body.addon);
    if ('error' in chosen) throw new SlipwayError('not_found', chosen.error, { status: 404 });
    if (chosen.addon.port === null) throw new SlipwayError('conflict', `${chosen.addon.name} is not provisioned yet.`, { status: 409 });
    const reachable = addonAvailability(chosen.addon.hostId, await services.hosts.get(chosen.addon.hostId));
    if (!reachable.available) throw new SlipwayError('addon_unavailable', `${chosen.addon.name} is unavailable: ${reachable.reason}.`, { status: 503, expose: true });
    await services.plans.admitOneOff(app, DEFAULT_DYNO_SIZE);
    const { command, env } = addonClientCommand(service.name, `${chosen.attachment.name}_URL`, { ...(body.sql !== undefined ? { sql: body.sql } : {}), ...(body.words ? { words: body.words } : {}) });
    const number = await services.detachedRuns.nextNumber(app, { ownImage: true });
    const secret = await services.attachSessions.create({
      appId: app.id,
      number,
      command,
      size: DEFAULT_DYNO_SIZE,
      cols: body.tty?.cols ?? 80,
      rows: body.tty?.rows ?? 24,
      ttlSeconds: DEFAULT_ONE_OFF_TTL_SECONDS,
      env,
      image: chosen.addon.image,
    });
    const websocket = `${ctx.protocol === 'https' ? 'wss' : 'ws'}://${ctx.host}${ATTACH_PATH_PREFIX}${secret}`;
    ctx.status = 201;
    ctx.body = attachedDynoJson(app, number, service.name === 'postgresql' ? `psql ${chosen.attachment.name}_URL` : `redis-cli ${chosen.attachment.name}_URL`, DEFAULT_DYNO_SIZE, { attach_url: websocket, attach_websocket_url: websocket });
  });

  return router;
}
