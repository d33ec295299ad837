// Alerts on a real control plane: thresholds on p95 latency (told by signed webhook) and the 5xx
// rate (told by email over a real SMTP server), evaluated against router windows published on
// NATS as routers do; they fire once, do not repeat, and resolve.
import { connect } from 'nats';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger.js';
import { freePort } from '../../common/ports.js';
import { encode, subjects } from '../../common/protocol.js';
import { apiClient, NO_BUILDS, startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';
import { startSmtpReceiver, type SmtpReceiver } from '../../test/support/smtp-receiver.js';
import { waitFor } from '../../test/support/wait.js';
import { startWebhookReceiver } from '../../test/support/webhook-receiver.js';
import { AlertEvaluator } from './evaluator.js';
import type { DeliveryEvent, Destination } from '../delivery/types.js';

describe('alerts', () => {
  let cp: TestControlPlane;
  let smtp: SmtpReceiver;
  let hook: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let hookPort: number;
  let redis: Redis;
  let ann: ReturnType<typeof apiClient>;
  let appId: string;
  let secret: string;

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    hookPort = await freePort();
    cp = await startTestControlPlane({
      SLIPWAY_SMTP_URL: smtp.url,
      SLIPWAY_LOG_DRAIN_ALLOW_HTTP: 'true',
      SLIPWAY_LOG_DRAIN_ALLOWED_NETWORKS: '127.0.0.0/8',
      // this test evaluates by itself, on its own clock
      SLIPWAY_ALERT_INTERVAL_SECONDS: '3600',
    }, { builder: NO_BUILDS });
    redis = new Redis(cp.redis.url);
    const admin = apiClient(cp.url, cp.adminToken);
    ann = apiClient(cp.url, (await admin('POST', '/users', { email: 'ann@example.com' })).body.token);
    appId = (await ann('POST', '/apps', { name: 'watched' })).body.id;
  });
  afterAll(async () => {
    redis?.disconnect();
    await cp?.stop();
    await hook?.stop();
    await smtp?.stop();
  });

  it('refuses alerts it could not keep, saying why', async () => {
    const add = (body: unknown) => ann('POST', '/apps/watched/alerts', body);
    expect((await add({ metric: 'p95_ms', threshold: 100 })).body.message).toBe('Give one of email and webhook_url: where the alert is told.');
    expect((await add({ metric: 'error_rate', threshold: 5, email: 'a@b.co' })).body.message).toBe('An error_rate threshold is a share below 1 (0.05 is 5%).');
    expect((await add({ metric: 'p95_ms', threshold: 100, webhook_url: 'ftp://127.0.0.1/x' })).status).toBe(422);
    expect((await add({ metric: 'p95_ms', threshold: 100, webhook_url: 'http://10.1.2.3/x' })).body.message).toMatch(/internal address/);
    expect((await add({ metric: 'latency', threshold: 100, email: 'a@b.co' })).status).toBe(422);
    const bob = apiClient(cp.url, (await apiClient(cp.url, cp.adminToken)('POST', '/users', { email: 'bob@example.com' })).body.token);
    expect((await bob('GET', '/apps/watched/alerts')).status).toBe(403);
  });

  it('fires once by webhook and email, does not repeat, and resolves', async () => {
    const webhook = await ann('POST', '/apps/watched/alerts', { metric: 'p95_ms', threshold: 100, minutes: 1, webhook_url: `http://127.0.0.1:${hookPort}/alerts` });
    expect(webhook.status).toBe(201);
    secret = webhook.body.webhook_secret;
    expect(secret).toMatch(/^whsec_/);
    hook = await startWebhookReceiver(secret, hookPort);
    await hook.start();
    expect((await ann('POST', '/apps/watched/alerts', { metric: 'error_rate', threshold: 0.05, minutes: 1, email: 'oncall@example.com' })).status).toBe(201);
    const listed = (await ann('GET', '/apps/watched/alerts')).body as { state: string; webhook_secret?: string }[];
    expect(listed.map((a) => a.state)).toEqual(['ok', 'ok']);
    expect(listed.some((a) => 'webhook_secret' in a)).toBe(false);

    const t = Date.now();
    let clock = t;
    const { services } = cp.controlPlane;
    // What the evaluator queues is seen on its way to the real queue: a user's webhook URL is marked as the user's.
    const queued: Destination[] = [];
    const deliveries = { enqueue: (destination: Destination, event: DeliveryEvent) => (queued.push(destination), services.deliveries.enqueue(destination, event)) };
    const evaluator = new AlertEvaluator({ redis, alerts: services.alerting.store, traffic: services.routerTraffic, apps: services.apps, deliveries, logger: silentLogger(), now: () => clock });
    const nc = await connect({ servers: cp.nats.url });
    const publish = async (endMs: number, p95: number, fives: number) => {
      nc.publish(subjects.routerTraffic, encode({ windowStart: new Date(endMs - 10_000).toISOString(), windowEnd: new Date(endMs).toISOString(), apps: [{ appId, appName: 'watched', requests: 100, bytes: 0, classes: { '2xx': 100 - fives, '5xx': fives }, p50Ms: 5, p95Ms: p95, p99Ms: p95 }] }));
      await nc.flush();
    };
    await publish(t, 300, 10);
    await waitFor('the slow window kept', async () => (await services.routerTraffic.since(appId, t - 60_000)).length === 1);
    clock = t + 1000;
    expect((await evaluator.evaluate()).map((a) => a.state)).toEqual(['firing', 'firing']);
    expect(await evaluator.evaluate()).toEqual([]); // no repeat while it fires
    await waitFor('the webhook', () => [...hook.seen.keys()].length === 1, 30_000);
    expect(queued.filter((d) => d.kind === 'webhook')).toEqual([expect.objectContaining({ userChosen: true })]);
    const fired = JSON.parse(hook.state.bodies[0]!) as { type: string; data: Record<string, unknown> };
    expect(fired).toMatchObject({ type: 'alert.triggered', data: { app: 'watched', metric: 'p95_ms', threshold: 100, state: 'firing', value: 300 } });
    const mail = await waitFor('the email', () => smtp.messages.find((m) => m.subject?.includes('is firing')), 30_000);
    expect(mail.subject).toBe('watched: 5xx error rate above 5% over 1 min is firing (now 10%)');

    await publish(t + 30_000, 20, 0);
    await waitFor('the fast window kept', async () => (await services.routerTraffic.since(appId, t + 1)).length === 1);
    clock = t + 90_000; // the slow window is past the minute now
    expect((await evaluator.evaluate()).map((a) => a.state)).toEqual(['ok', 'ok']);
    await waitFor('the resolution', () => [...hook.seen.keys()].length === 2, 30_000);
    expect(JSON.parse(hook.state.bodies[1]!)).toMatchObject({ type: 'alert.resolved', data: { state: 'ok', value: 20 } });
    await waitFor('the resolution email', () => smtp.messages.find((m) => m.subject?.includes('has resolved')), 30_000);
    expect(hook.state.badSignatures).toBe(0);
    expect(((await ann('GET', '/apps/watched/alerts')).body as { state: string }[]).map((a) => a.state)).toEqual(['ok', 'ok']);
    await nc.close();
  });
});
