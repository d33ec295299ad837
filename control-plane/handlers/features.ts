// Heroku's app features (labs), the ones Slipway has: `http-to-https` (plain HTTP requests
// redirected to HTTPS, 308) and `hsts` (HTTPS answers carry Strict-Transport-Security). Each is
// switched with `features:enable|disable` and reaches the routers with the app's route.
import Router from '@koa/router';
import { z } from 'zod';
import { NotFoundError } from '../../common/errors.js';
import type { AppFeatureJson } from '../../common/api-shapes.js';
import { nameUuid } from '../../common/name-uuid.js';
import type { App } from '../../common/types.js';
import { loadApp } from '../http/load-app.js';
import { bodyOf, spec } from '../http/api-spec.js';
import type { Services } from '../services.js';

const FEATURES = [
  { name: 'http-to-https', field: 'httpsRedirect', description: 'Redirect plain HTTP requests to HTTPS (308), except ACME challenges.' },
  { name: 'hsts', field: 'hsts', description: 'Send Strict-Transport-Security (max-age one year) with HTTPS responses.' },
] as const;

type Feature = (typeof FEATURES)[number];

const update = z.object({ enabled: z.boolean() });

/** Pure: a feature of an app as Heroku's API shows it. */
export function featureJson(app: App, feature: Feature): AppFeatureJson {
  return {
    id: nameUuid(`feature:${feature.name}`),
    name: feature.name,
    display_name: feature.name,
    description: feature.description,
    doc_url: '',
    enabled: app[feature.field] ?? false,
    state: 'general',
    feedback_email: null,
    created_at: app.createdAt,
    updated_at: app.updatedAt,
  };
}

export function featureHandlers(services: Services): Router {
  const router = new Router();
  const named = (ref: string): Feature => {
    const feature = FEATURES.find((f) => f.name === ref || nameUuid(`feature:${f.name}`) === ref);
    if (!feature) throw new NotFoundError(`Couldn't find that feature (${ref}): the features are ${FEATURES.map((f) => f.name).join(', ')}.`);
    return feature;
  };

  router.get('/apps/:app/features', spec({ summary: 'The app’s features and whether each is on', response: { shape: 'AppFeatureJson', list: true } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    ctx.body = FEATURES.map((feature) => featureJson(app, feature));
  });

  router.get('/apps/:app/features/:feature', spec({ summary: 'One app feature', response: { shape: 'AppFeatureJson' } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    ctx.body = featureJson(app, named(ctx.params.feature!));
  });

  router.patch('/apps/:app/features/:feature', spec({ summary: 'Turns an app feature on or off', body: update, response: { shape: 'AppFeatureJson' } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    const feature = named(ctx.params.feature!);
    const { enabled } = bodyOf(ctx, update);
    const updated = (await services.apps.setTlsFeature(app.id, feature.field, enabled)) ?? app;
    await services.converger.publishRoute(updated);
    ctx.body = featureJson(updated, feature);
  });

  return router;
}
