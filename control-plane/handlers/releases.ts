import Router from '@koa/router';
import { z } from 'zod';
import { InvalidParamsError, NotFoundError } from '../../common/errors.js';
import { loadApp } from '../http/load-app.js';
import { logApiEvent } from '../http/api-events.js';
import { platformEvents } from '../apps/platform-events.js';
import { releaseJson } from '../http/representations.js';
import { requestOrigin } from '../http/origin.js';
import { releaseOutputUrl } from './release-output.js';
import { bodyOf, spec } from '../http/api-spec.js';
import type { Services } from '../services.js';

const rollback = z.object({ release: z.union([z.string(), z.number().int().positive()]) });

export function releaseHandlers(services: Services): Router {
  const router = new Router();

  // Every release, oldest first; Heroku's Range (`version ..; max=15, order=desc`, what
  // `heroku releases` sends) pages it, as every list (http/pagination.ts).
  router.get('/apps/:app/releases', spec({ summary: 'The app’s releases', response: { shape: 'ReleaseJson', list: true } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    const current = await services.releases.current(app.id);
    const releases = await services.releases.list(app.id);
    ctx.body = releases.map((r) => releaseJson(r, app, current?.version ?? null, releaseOutputUrl(requestOrigin(ctx), r)));
  });

  /** The release a path names (`/releases/{id, N or vN}`), or a 404. */
  const namedRelease = async (appId: string, ref: string) => {
    const release = (await services.releases.list(appId)).find((r) => r.id === ref || String(r.version) === ref.replace(/^v/, ''));
    if (!release) throw new NotFoundError(`Couldn't find that release (${ref}).`);
    return release;
  };

  router.get('/apps/:app/releases/:release', spec({ summary: 'One release', response: { shape: 'ReleaseJson' } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    const release = await namedRelease(app.id, ctx.params.release!);
    const current = await services.releases.current(app.id);
    ctx.body = releaseJson(release, app, current?.version ?? null, releaseOutputUrl(requestOrigin(ctx), release));
  });

  // The config vars a release was cut with (Heroku's release config vars; `releases:info`).
  // Config vars are secrets: reading them needs the change role.
  router.get('/apps/:app/releases/:release/config-vars', spec({ summary: 'The config vars a release was cut with', response: { shape: 'ConfigVarsJson' } }), async (ctx) => {
    const app = await loadApp(ctx, services, 'change');
    ctx.body = (await namedRelease(app.id, ctx.params.release!)).config;
  });

  // Rollback (Heroku: POST /apps/{app}/releases with {"release": id-or-version}).
  router.post('/apps/:app/releases', spec({ summary: 'Rolls back: a new release copying an earlier one', body: rollback, response: { shape: 'ReleaseJson', status: 201 } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    const { release: ref } = bodyOf(ctx, rollback);
    const releases = await services.releases.list(app.id);
    const target = releases.find((r) => r.id === ref || r.version === Number(String(ref).replace(/^v/, '')));
    if (!target) throw new InvalidParamsError(`Couldn't find that release (${ref}).`);
    if (!target.image) throw new InvalidParamsError(`v${target.version} has no code to roll back to.`);
    const created = await services.releaser.rollback(app, target.version);
    logApiEvent(ctx, services, app, (email) => platformEvents.rolledBack(target.version, email));
    logApiEvent(ctx, services, app, (email) => platformEvents.releaseCreated(created.version, email));
    ctx.status = 201;
    ctx.body = releaseJson(created, app, created.version, releaseOutputUrl(requestOrigin(ctx), created));
  });

  return router;
}
