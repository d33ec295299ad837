import Router from '@koa/router';
import { z } from 'zod';
import { loadApp } from '../http/load-app.js';
import { validateBody } from '../http/validate.js';
import type { Services } from '../services.js';

const CONFIG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const changes = z
  .record(z.string().regex(CONFIG_NAME, 'config var names are letters, digits and underscores, not starting with a digit'), z.string().nullable())
  .refine((value) => Object.keys(value).length > 0, 'send at least one config var');

export function configVarHandlers(services: Services): Router {
  const router = new Router();

  // Config vars are secrets: reading them needs the change role (viewers see the app, not these).
  router.get('/apps/:app/config-vars', async (ctx) => {
    const app = await loadApp(ctx, services, 'change');
    ctx.body = await services.apps.config(app.id);
  });

  // Heroku semantics: set with a string, unset with null; a new release rolls the change out.
  // Sizes are checked against the app's config limits by the releaser (422 config_limit_exceeded).
  router.patch('/apps/:app/config-vars', async (ctx) => {
    const app = await loadApp(ctx, services);
    const update = validateBody(changes, ctx.request.body);
    const set = Object.keys(update).filter((k) => update[k] !== null);
    const unset = Object.keys(update).filter((k) => update[k] === null);
    const description = [set.length ? `Set ${set.join(', ')} config vars` : '', unset.length ? `Remove ${unset.join(', ')} config vars` : '']
      .filter(Boolean)
      .join('; ');
    const { config } = await services.releaser.changeConfig(app, update, description);
    ctx.body = config;
  });

  return router;
}
