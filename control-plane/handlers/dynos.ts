import Router from '@koa/router';
import { z } from 'zod';
import { type App, DEFAULT_DYNO_SIZE, DYNO_SIZES, type DynoSize } from '../../common/types.js';
import { ttySize } from '../../common/protocol.js';
import { loadApp } from '../http/load-app.js';
import { logApiEvent } from '../http/api-events.js';
import { platformEvents } from '../apps/platform-events.js';
import { ATTACH_PATH_PREFIX } from '../one-offs/attach.js';
import { rendezvousUrl } from '../one-offs/rendezvous.js';
import { runEnv, runEnvironment } from '../one-offs/run-env.js';
import { DEFAULT_ONE_OFF_TTL_SECONDS, oneOffAsInstance } from '../one-offs/detached.js';
import { dynoJson } from '../http/representations.js';
import { bodyOf, spec } from '../http/api-spec.js';
import type { AttachedDynoJson } from '../../common/api-shapes.js';
import type { Services } from '../services.js';

const createDyno = z.object({
  command: z.string().min(1, 'command must not be empty').max(16 * 1024),
  attach: z.boolean().default(false),
  size: z.enum(Object.keys(DYNO_SIZES) as [DynoSize, ...DynoSize[]]).optional(),
  type: z.literal('run').optional(),
  /** seconds; Heroku's default is 24 h */
  time_to_live: z.number().int().min(1).max(DEFAULT_ONE_OFF_TTL_SECONDS).optional(),
  /** An attached run's terminal size (Slipway's; Heroku passes COLUMNS and LINES in env). */
  tty: ttySize.optional(),
  /** Heroku's: variables for the run (TERM, COLUMNS, LINES, `heroku run -e`). */
  env: runEnv.optional(),
  /** Heroku's; an attached run always has a TTY here. */
  force_no_tty: z.boolean().nullish(),
});

/** A one-off dyno about to start, as the dynos API shows it. */
export function attachedDynoJson(app: App, number: number, command: string, size: DynoSize, urls: Pick<AttachedDynoJson, 'attach_url' | 'attach_websocket_url'>): AttachedDynoJson {
  const now = new Date().toISOString();
  return { id: null, name: `run.${number}`, type: 'run', state: 'starting', app: { id: app.id, name: app.name }, size, command, ...urls, created_at: now, updated_at: now };
}

export function dynoHandlers(services: Services): Router {
  const router = new Router();

  router.get('/apps/:app/dynos', spec({ summary: 'The app’s dynos, one-offs included', response: { shape: 'DynoJson', list: true } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    const [release, instances, oneOffs] = await Promise.all([services.releases.current(app.id), services.instances.listForApp(app.id), services.oneOffs.list(app.id)]);
    ctx.body = [
      ...instances.map((i) => dynoJson(i, app, release?.processTypes[i.type] ?? null)),
      ...oneOffs.map((record) => dynoJson(oneOffAsInstance(record, app), app, record.command)),
    ];
  });

  // Heroku's dyno create: a one-off dyno. Only detached ones here (attach: false).
  router.post('/apps/:app/dynos', spec({ summary: 'Runs a one-off dyno, attached (with its attach URLs) or detached', body: createDyno, response: { shape: 'RunDynoJson', status: 201 } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    const body = bodyOf(ctx, createDyno);
    await services.plans.admitOneOff(app, body.size ?? DEFAULT_DYNO_SIZE);
    if (body.attach) {
      // Heroku's shape: the dyno, starting, with the URL to attach to (single use, one minute).
      const number = await services.detachedRuns.nextNumber(app);
      const size = body.size ?? DEFAULT_DYNO_SIZE;
      const env = runEnvironment(body.env ?? {});
      const tty = body.tty ?? env.tty;
      const secret = await services.attachSessions.create({
        appId: app.id,
        number,
        command: body.command,
        size,
        cols: tty?.cols ?? 80,
        rows: tty?.rows ?? 24,
        ttlSeconds: body.time_to_live ?? DEFAULT_ONE_OFF_TTL_SECONDS,
        env: env.vars,
      });
      // Either URL joins the run, once: Heroku's rendezvous (the stock CLI) when it is served,
      // and Slipway's WebSocket (resizes and the exit code too).
      const websocket = `${ctx.protocol === 'https' ? 'wss' : 'ws'}://${ctx.host}${ATTACH_PATH_PREFIX}${secret}`;
      const { rendezvous } = services;
      ctx.status = 201;
      ctx.body = attachedDynoJson(app, number, body.command, size, {
        attach_url: rendezvous ? rendezvousUrl(rendezvous.host ?? ctx.hostname, rendezvous.port, secret) : websocket,
        attach_websocket_url: websocket,
      });
      return;
    }
    const record = await services.detachedRuns.start(app, body.command, body.size ?? DEFAULT_DYNO_SIZE, body.time_to_live ?? DEFAULT_ONE_OFF_TTL_SECONDS);
    ctx.status = 201;
    ctx.body = dynoJson(oneOffAsInstance(record, app), app, record.command);
  });

  // Heroku's dyno stop action (ps:stop): a one-off dyno ends; a dyno of the formation stops and,
  // as on Heroku, the formation starts it again (scale down to keep it stopped).
  router.post('/apps/:app/dynos/:dyno/actions/stop', spec({ summary: 'Stops a dyno', response: { emptyObject: true, status: 202 } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    const dyno = ctx.params.dyno!;
    if (/^run\.\d+$/.test(dyno)) await services.detachedRuns.stop(app, dyno);
    else await services.lifecycle.restart(app.id, dyno);
    ctx.status = 202;
    ctx.body = {};
  });

  router.delete('/apps/:app/dynos', spec({ summary: 'Restarts every dyno', response: { emptyObject: true, status: 202 } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    await services.lifecycle.restart(app.id, null);
    logApiEvent(ctx, services, app, (email) => platformEvents.restarted(null, email));
    ctx.status = 202;
    ctx.body = {};
  });

  router.delete('/apps/:app/dynos/:dyno', spec({ summary: 'Restarts one dyno or one process type', response: { emptyObject: true, status: 202 } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    await services.lifecycle.restart(app.id, ctx.params.dyno!);
    logApiEvent(ctx, services, app, (email) => platformEvents.restarted(ctx.params.dyno!, email));
    ctx.status = 202;
    ctx.body = {};
  });

  return router;
}
