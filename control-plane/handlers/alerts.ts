// An app's alerts: thresholds on its p95 latency or 5xx rate, told by email or signed webhook
// when they fire and when they resolve (control-plane/alerts).
import Router from '@koa/router';
import { z } from 'zod';
import { InvalidParamsError, NotFoundError, SlipwayError } from '../../common/errors.js';
import type { AlertJson } from '../../common/api-shapes.js';
import type { Alert } from '../alerts/store.js';
import { parseDrainUrl } from '../drains/url.js';
import { bodyOf, spec } from '../http/api-spec.js';
import { loadApp } from '../http/load-app.js';
import type { Services } from '../services.js';

const MAX_ALERTS_PER_APP = 10;
const newAlert = z
  .object({
    metric: z.enum(['p95_ms', 'error_rate']),
    threshold: z.number().positive(),
    minutes: z.number().int().min(1).max(60).default(5),
    email: z.string().email().optional(),
    webhook_url: z.string().max(2048).optional(),
  })
  .strict();

export function alertJson(alert: Alert): AlertJson {
  const { destination } = alert;
  return {
    id: alert.id,
    metric: alert.metric,
    threshold: alert.threshold,
    minutes: alert.minutes,
    destination: destination.kind === 'email' ? { kind: 'email', to: destination.to } : { kind: 'webhook', url: destination.url },
    state: alert.state,
    changed_at: alert.changedAt,
    created_at: alert.createdAt,
  };
}

export function alertHandlers(services: Services): Router {
  const router = new Router();
  const { alerting } = services;

  router.get('/apps/:app/alerts', spec({ summary: 'The app’s alerts', response: { shape: 'AlertJson', list: true } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    ctx.body = (await alerting.store.list(app.id)).map(alertJson);
  });

  router.post('/apps/:app/alerts', spec({ summary: 'Adds an alert on the app’s p95 latency or 5xx rate, told by email or signed webhook', body: newAlert, response: { shape: 'AlertJson', status: 201 } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    const body = bodyOf(ctx, newAlert);
    if ((body.email === undefined) === (body.webhook_url === undefined)) throw new InvalidParamsError('Give one of email and webhook_url: where the alert is told.');
    if (body.metric === 'error_rate' && body.threshold >= 1) throw new InvalidParamsError('An error_rate threshold is a share below 1 (0.05 is 5%).');
    if (body.email !== undefined && !alerting.email) throw new SlipwayError('mail_unavailable', 'This platform sends no email (no SMTP server is configured): use a webhook.', { status: 422 });
    if (body.webhook_url !== undefined) {
      try {
        const target = parseDrainUrl(body.webhook_url, alerting.webhookPolicy);
        if (target.kind !== 'https' && target.kind !== 'http') throw new Error('not an http(s) URL');
      } catch (err) {
        throw new InvalidParamsError(`webhook_url: ${(err as Error).message}.`);
      }
    }
    if ((await alerting.store.list(app.id)).length >= MAX_ALERTS_PER_APP) throw new InvalidParamsError(`An app has at most ${MAX_ALERTS_PER_APP} alerts.`);
    const alert = await alerting.store.create(app.id, { metric: body.metric, threshold: body.threshold, minutes: body.minutes }, body.email !== undefined ? { kind: 'email', to: body.email } : { kind: 'webhook', url: body.webhook_url! });
    ctx.status = 201;
    ctx.body = { ...alertJson(alert), ...(alert.destination.kind === 'webhook' ? { webhook_secret: alert.destination.secret } : {}) };
  });

  router.delete('/apps/:app/alerts/:id', spec({ summary: 'Removes an alert', response: { shape: 'AlertJson' } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    const removed = await alerting.store.remove(app.id, ctx.params.id!);
    if (!removed) throw new NotFoundError(`Couldn't find that alert (${ctx.params.id}).`);
    ctx.body = alertJson(removed);
  });

  return router;
}
