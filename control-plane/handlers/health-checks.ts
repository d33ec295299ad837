// Health checks per process type (Slipway's resource; Heroku has none, Dokku reads app.json's
// `healthchecks`): GET lists what each process type runs under and where it comes from; PUT
// sets the API's check of a type, DELETE removes it (app.json's applies again). A change rolls
// the type's instances (a rolling restart), so the new check gates their replacements.
import Router from '@koa/router';
import { z } from 'zod';
import { NotFoundError } from '../../common/errors.js';
import { processTypeProblem } from '../../common/names.js';
import { effectiveHealthCheck, HEALTH_CHECK_LIMITS, healthCheck, type HealthCheck } from '../../common/health-check.js';
import type { App } from '../../common/types.js';
import { loadApp } from '../http/load-app.js';
import { bodyOf, spec } from '../http/api-spec.js';
import type { HealthCheckJson } from '../../common/api-shapes.js';
import type { Services } from '../services.js';

const seconds = (name: keyof typeof HEALTH_CHECK_LIMITS) => z.number().int().min(HEALTH_CHECK_LIMITS[name].min).max(HEALTH_CHECK_LIMITS[name].max).optional();
const body = z
  .object({
    path: healthCheck.shape.path,
    status: z.number().int().min(100).max(599).nullable().optional(),
    interval: seconds('intervalSeconds'),
    timeout: seconds('timeoutSeconds'),
    attempts: seconds('attempts'),
  })
  .strict();


function healthCheckJson(type: string, check: HealthCheck, source: HealthCheckJson['source']): HealthCheckJson {
  return { process_type: type, path: check.path, status: check.status, interval: check.intervalSeconds, timeout: check.timeoutSeconds, attempts: check.attempts, source };
}

export function healthCheckHandlers(services: Services): Router {
  const router = new Router();

  const list = async (app: App) => {
    const [fromApi, release] = await Promise.all([services.apps.healthChecks(app.id), services.releases.current(app.id)]);
    const fromRelease = release?.healthChecks ?? {};
    const types = [...new Set([...Object.keys(fromRelease), ...Object.keys(fromApi)])].sort();
    return types.map((type) => healthCheckJson(type, effectiveHealthCheck(type, fromApi, fromRelease)!, Object.hasOwn(fromApi, type) ? 'api' : 'app.json'));
  };

  const processType = (type: string) => {
    if (processTypeProblem(type)) throw new NotFoundError(`Couldn't find that process type (${type}).`);
    return type;
  };

  router.get('/apps/:app/health-checks', spec({ summary: 'Health checks per process type', response: { shape: 'HealthCheckJson', list: true } }), async (ctx) => {
    ctx.body = await list(await loadApp(ctx, services));
  });

  router.put('/apps/:app/health-checks/:type', spec({ summary: 'Sets a process type’s health check', body: body, response: { shape: 'HealthCheckJson' } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    const type = processType(ctx.params.type!);
    const { path, status, interval, timeout, attempts } = bodyOf(ctx, body);
    const check = healthCheck.parse({ path, status: status ?? null, intervalSeconds: interval, timeoutSeconds: timeout, attempts });
    await services.apps.setHealthCheck(app.id, type, check);
    await services.lifecycle.restartIfRunning(app.id, type);
    ctx.body = healthCheckJson(type, check, 'api');
  });

  router.delete('/apps/:app/health-checks/:type', spec({ summary: 'Removes the API’s health check of a process type', response: { shape: 'HealthCheckJson' } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    const type = processType(ctx.params.type!);
    const fromApi = await services.apps.healthChecks(app.id);
    const check = Object.hasOwn(fromApi, type) ? fromApi[type] : undefined;
    if (!check) throw new NotFoundError(`${type} has no health check set through the API.`);
    await services.apps.setHealthCheck(app.id, type, null);
    await services.lifecycle.restartIfRunning(app.id, type);
    ctx.body = healthCheckJson(type, check, 'api');
  });

  return router;
}
