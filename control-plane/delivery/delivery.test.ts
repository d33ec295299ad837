// Deliveries on real Redis to real receivers on loopback: signed webhooks through an outage
// (refused connections, then 500s) and a sender that dies mid-attempt, and email through a real
// SMTP server that is down at first. Every event arrives; receivers dedupe by its id.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../common/ports.js';
import { silentLogger } from '../../common/logger.js';
import { startTestRedis } from '../../test/support/services.js';
import { startSmtpReceiver, type SmtpReceiver } from '../../test/support/smtp-receiver.js';
import { startWebhookReceiver } from '../../test/support/webhook-receiver.js';
import { waitFor } from '../../test/support/wait.js';
import type { RunningService } from '../../supervisor/services.js';
import { retryDelayMs } from './backoff.js';
import { DEFAULT_DELIVERY_SETTINGS, DELIVERY_KEYS, DeliveryQueue, DeliveryWorker, type DeliverySettings } from './queue.js';
import { AddressPolicy } from '../drains/addresses.js';
import { destinationSender, emailSender, UserUrlGuard, webhookSender } from './senders.js';

const SECRET = `whsec_${Buffer.from('a test signing secret, 32 bytes!').toString('base64')}`;
const FAST: DeliverySettings = { ...DEFAULT_DELIVERY_SETTINGS, firstRetryMs: 200, blockMs: 200, claimIdleMs: 1_500 };

describe('retryDelayMs', () => {
  it('doubles from the first delay, caps at an hour, and jitters by ±20%', () => {
    expect(retryDelayMs(1, 5_000, () => 0.5)).toBe(5_000);
    expect(retryDelayMs(3, 5_000, () => 0.5)).toBe(20_000);
    expect(retryDelayMs(30, 5_000, () => 0.5)).toBe(3_600_000);
    expect(retryDelayMs(1, 5_000, () => 0)).toBe(4_000);
    expect(retryDelayMs(1, 5_000, () => 1)).toBe(6_000);
  });
});

describe('delivery queue', () => {
  let redisService: RunningService;
  let redis: Redis;
  const workerConnections: Redis[] = [];
  const worker = (name: string, settings = FAST, timeoutMs = 1_000, email: ReturnType<typeof emailSender> | null = null) => {
    const connection = new Redis(redisService.url);
    workerConnections.push(connection);
    return new DeliveryWorker(connection, name, destinationSender(webhookSender(timeoutMs, null), email), silentLogger(), settings);
  };

  beforeAll(async () => {
    redisService = await startTestRedis();
    redis = new Redis(redisService.url);
  });
  afterAll(async () => {
    for (const c of workerConnections) c.disconnect();
    redis?.disconnect();
    await redisService?.stop();
  });

  it('queues an event once by its id, however often a producer hands it over', async () => {
    const queue = new DeliveryQueue(redis);
    const destination = { kind: 'webhook' as const, url: 'http://127.0.0.1:9/once', secret: SECRET };
    const before = await queue.backlog();
    expect(await queue.enqueueOnce(destination, { id: 'once-1', type: 'test.once', payload: {} })).toBe(true);
    expect(await queue.enqueueOnce(destination, { id: 'once-1', type: 'test.once', payload: {} })).toBe(false);
    expect(await queue.backlog()).toBe(before + 1);
    await redis.del(DELIVERY_KEYS.stream);
  });

  it('delivers every signed event through an outage (refused, then 500s), each id at least once and none lost', async () => {
    const port = await freePort();
    const receiver = await startWebhookReceiver(SECRET, port);
    const queue = new DeliveryQueue(redis);
    const ids = Array.from({ length: 50 }, () => randomUUID());
    // Down: nothing listens on the port yet.
    const sender = worker('outage');
    await sender.start();
    for (const id of ids) await queue.enqueue({ kind: 'webhook', url: `http://127.0.0.1:${port}/hook`, secret: SECRET }, { id, type: 'test.event', payload: { n: id } });
    await waitFor('a few failed attempts', async () => (await redis.zcard(DELIVERY_KEYS.retries)) > 0, 10_000);
    await receiver.start();
    receiver.state.mode = 'error';
    await waitFor('500s answered', async () => (await redis.zcard(DELIVERY_KEYS.retries)) > 0, 10_000);
    receiver.state.mode = 'ok';
    const started = Date.now();
    await waitFor('every event received', () => ids.every((id) => receiver.seen.has(id)), 60_000);
    console.log(`50 webhooks delivered ${Date.now() - started} ms after the receiver came back`);
    expect(receiver.state.badSignatures).toBe(0);
    await waitFor('the queue emptied', async () => (await queue.backlog()) === 0, 10_000);
    expect(await queue.dead()).toEqual([]);
    await sender.stop();
    await receiver.stop();
  });

  it('a sender that dies mid-attempt loses nothing: another takes its claims over once idle', async () => {
    const port = await freePort();
    const receiver = await startWebhookReceiver(SECRET, port);
    await receiver.start();
    receiver.state.mode = 'hang';
    const queue = new DeliveryQueue(redis);
    const ids = Array.from({ length: 5 }, () => randomUUID());
    // A long attempt timeout: the first sender is still waiting when it dies.
    const doomed = worker('doomed', FAST, 60_000);
    await doomed.start();
    for (const id of ids) await queue.enqueue({ kind: 'webhook', url: `http://127.0.0.1:${port}/hook`, secret: SECRET }, { id, type: 'test.event', payload: {} });
    await waitFor('claimed by the doomed sender', async () => Number(((await redis.xpending(DELIVERY_KEYS.stream, DELIVERY_KEYS.group)) as [number])[0]) === ids.length, 10_000);
    // Dies: its connection goes, its attempts never finish, its claims stay pending.
    workerConnections.at(-1)!.disconnect();
    receiver.state.mode = 'ok';
    const heir = worker('heir');
    await heir.start();
    await waitFor('every event received by way of the heir', () => ids.every((id) => receiver.seen.has(id)), 30_000);
    await waitFor('the queue emptied', async () => (await queue.backlog()) === 0, 10_000);
    await heir.stop();
    // The dead sender's hung requests end with the receiver; then it is stopped for good.
    await receiver.stop();
    await doomed.stop();
  });

  it('gives up after the last attempt, into the dead letters, saying why', async () => {
    const queue = new DeliveryQueue(redis);
    const id = randomUUID();
    const sender = worker('give-up', { ...FAST, maxAttempts: 2 });
    await sender.start();
    await queue.enqueue({ kind: 'webhook', url: `http://127.0.0.1:${await freePort()}/nobody`, secret: SECRET }, { id, type: 'test.event', payload: {} });
    await waitFor('dead-lettered', async () => (await queue.dead()).some((d) => d.event.id === id), 15_000);
    const [dead] = (await queue.dead()).filter((d) => d.event.id === id);
    expect(dead, JSON.stringify(dead)).toMatchObject({ attempts: 2, lastError: expect.stringMatching(/ECONNREFUSED|connect/) });
    await sender.stop();
  });

  describe('email', () => {
    let smtp: SmtpReceiver;
    beforeAll(async () => {
      smtp = await startSmtpReceiver();
    });
    afterAll(async () => {
      await smtp?.stop();
    });

    it('reaches a real SMTP server that is down at first, once, with its headers', async () => {
      await smtp.stop();
      const queue = new DeliveryQueue(redis);
      const email = emailSender({ url: smtp.url, from: 'Acme Cloud <no-reply@acme.test>' });
      const sender = worker('mail', FAST, 1_000, email);
      await sender.start();
      const id = randomUUID();
      await queue.enqueue({ kind: 'email', to: 'ada@example.com' }, { id, type: 'account.email', payload: { subject: 'Confirm your account', text: 'Open https://example.test/verify?token=abc' } });
      await waitFor('a failed attempt while the server is down', async () => (await redis.zcard(DELIVERY_KEYS.retries)) > 0, 10_000);
      await smtp.start();
      await waitFor('the email received', () => smtp.messages.some((m) => m.messageId === `<${id}@acme.test>`), 30_000);
      const mail = smtp.messages.find((m) => m.messageId === `<${id}@acme.test>`)!;
      expect(mail.subject).toBe('Confirm your account');
      expect(mail.from?.text).toBe('"Acme Cloud" <no-reply@acme.test>');
      expect((mail.to as { text: string }).text).toBe('ada@example.com');
      expect(mail.text?.trim()).toBe('Open https://example.test/verify?token=abc');
      expect(smtp.messages.filter((m) => m.messageId === mail.messageId)).toHaveLength(1);
      await sender.stop();
      email.close();
    });
  });
});

describe('user-chosen webhook URLs', () => {
  // An alert's URL was checked when it was made; by the time the alert fires its name may point
  // inside (DNS rebinding), so the address is checked again at each send, on a real receiver.
  const receivers: Awaited<ReturnType<typeof startWebhookReceiver>>[] = [];
  const guards: UserUrlGuard[] = [];
  afterAll(async () => {
    for (const receiver of receivers) await receiver.stop();
    for (const guard of guards) await guard.close();
  });
  const delivery = (url: string, userChosen: boolean) => ({
    destination: { kind: 'webhook' as const, url, secret: SECRET, userChosen },
    event: { id: `evt-${randomUUID()}`, type: 'alert.triggered', payload: {} },
    createdAt: new Date().toISOString(),
    attempts: 0,
    lastError: null,
  });
  const receiver = async () => {
    const port = await freePort();
    const started = await startWebhookReceiver(SECRET, port);
    await started.start();
    receivers.push(started);
    return { port, seen: started.seen };
  };
  const guard = (allowed: string[]) => {
    const made = new UserUrlGuard(new AddressPolicy(allowed));
    guards.push(made);
    return made;
  };

  it('refuses a name that resolves to an internal address, and an internal literal, before any byte is sent', async () => {
    const { port, seen } = await receiver();
    const send = webhookSender(1_000, guard([]));
    await expect(send(delivery(`http://localhost:${port}/hook`, true))).rejects.toThrow(/internal addresses only/);
    await expect(send(delivery(`http://127.0.0.1:${port}/hook`, true))).rejects.toThrow(/127\.0\.0\.1 is an internal address/);
    await expect(send(delivery(`http://[::1]:${port}/hook`, true))).rejects.toThrow(/::1 is an internal address/);
    expect(seen.size).toBe(0);
  });

  it('sends where the operator allows it, and the operator\'s own receivers are not held to it', async () => {
    const { port, seen } = await receiver();
    await webhookSender(1_000, guard(['127.0.0.0/8']))(delivery(`http://localhost:${port}/hook`, true));
    await webhookSender(1_000, guard([]))(delivery(`http://127.0.0.1:${port}/billing`, false));
    expect(seen.size).toBe(2);
  });

  it('closes once, however often a stopping platform asks', async () => {
    const once = new UserUrlGuard(new AddressPolicy([]));
    await Promise.all([once.close(), once.close()]);
    await once.close(); // rejected with ClientDestroyedError when it closed the agent again
  });

  it('refuses a user-chosen URL when no guard was given', async () => {
    await expect(webhookSender(1_000, null)(delivery('http://127.0.0.1:9/hook', true))).rejects.toThrow(/without an address guard/);
  });
});
