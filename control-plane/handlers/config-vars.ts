import Router from '@koa/router';
import { z } from 'zod';
import { loadApp } from '../http/load-app.js';
import { logApiEvent } from '../http/api-events.js';
import { platformEvents } from '../apps/platform-events.js';
import { bodyOf, spec } from '../http/api-spec.js';
import type { Services } from '../services.js';

const CONFIG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const changes = z
  .record(z.string().regex(CONFIG_NAME, 'config var names are letters, digits and underscores, not starting with a digit'), z.string().nullable())
  .refine((value) => Object.keys(value).length > 0, 'send at least one config var');

export function configVarHandlers(services: Services): Router {
  const router = new Router();

  // Config vars are secrets: reading them needs the change role (viewers see the app, not these).
  router.get('/apps/:app/config-vars', spec({ summary: 'The app’s config vars', response: { shape: 'ConfigVarsJson' } }), async (ctx) => {
    const app = await loadApp(ctx, services, 'change');
    ctx.body = await services.apps.config(app.id);
  });

  // Heroku semantics: set with a string, unset with null; a new release rolls the change out.
  // Sizes are checked against the app's config limits by the releaser (422 config_limit_exceeded).
  router.patch('/apps/:app/config-vars', spec({ summary: 'Sets (string) and unsets (null) config vars in one new release', body: changes, response: { shape: 'ConfigVarsJson' } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    const update = bodyOf(ctx, changes);
    const set = Object.keys(update).filter((k) => update[k] !== null);
    const unset = Object.keys(update).filter((k) => update[k] === null);
    const description = [set.length ? `Set ${set.join(', ')} config vars` : '', unset.length ? `Remove ${unset.join(', ')} config vars` : '']
      .filter(Boolean)
      .join('; ');
    const { config, release } = await services.releaser.changeConfig(app, update, description);
    logApiEvent(ctx, services, app, (email) => platformEvents.configChanged(description, email));
    logApiEvent(ctx, services, app, (email) => platformEvents.releaseCreated(release.version, email));
    ctx.body = config;
  });

  return router;
}
