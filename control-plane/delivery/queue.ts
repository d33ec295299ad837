// The durable delivery queue: at-least-once, on Redis (AOF). New and due deliveries wait in a
// stream read by a consumer group, so several control planes share the work and a delivery
// being sent by one is not sent by another at the same time; a sender that dies mid-attempt
// leaves its claim pending, and another takes it over once it has been idle too long
// (XAUTOCLAIM). A failure waits in a sorted set until its retry is due, then goes back to the
// stream; after the last attempt it goes to the dead-letter stream. Receivers dedupe by the
// event's id, which never changes.
import type { Redis } from 'ioredis';
import type { Logger } from '../../common/logger.js';
import { retryDelayMs } from './backoff.js';
import type { Delivery, DeliveryEvent, Destination, Sender } from './types.js';

export const DELIVERY_KEYS = {
  stream: 'slipway:deliveries',
  group: 'senders',
  retries: 'slipway:deliveries:retries',
  dead: 'slipway:deliveries:dead',
  /** an event id queued once (enqueueOnce) */
  queued: (eventId: string) => `slipway:deliveries:queued:${eventId}`,
};

/** How long an event id is remembered against being queued again (longer than any re-read). */
const QUEUED_TTL_SECONDS = 90 * 24 * 3600;

/** KEYS: the event's queued mark, the stream; ARGV: the mark's TTL, the delivery. Queues it unless it was. */
const ENQUEUE_ONCE = `
if not redis.call('SET', KEYS[1], '1', 'EX', ARGV[1], 'NX') then return 0 end
redis.call('XADD', KEYS[2], '*', 'd', ARGV[2])
return 1`;

/** KEYS: retries zset, stream; ARGV: now (ms), max to move. Moves due retries to the stream atomically. */
const MOVE_DUE = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, item in ipairs(due) do
  redis.call('ZREM', KEYS[1], item)
  redis.call('XADD', KEYS[2], '*', 'd', item)
end
return #due`;

export interface DeliverySettings {
  maxAttempts: number;
  /** A claim idle this long is taken over (longer than any attempt may take). */
  claimIdleMs: number;
  /** How long one read waits for new deliveries. */
  blockMs: number;
  batch: number;
  /** The first retry's delay; each next one doubles (backoff.ts). */
  firstRetryMs: number;
}

export const DEFAULT_DELIVERY_SETTINGS: DeliverySettings = { maxAttempts: 12, claimIdleMs: 60_000, blockMs: 1_000, batch: 20, firstRetryMs: 5_000 };

export class DeliveryQueue {
  constructor(private readonly redis: Redis) {}

  async enqueue(destination: Destination, event: DeliveryEvent): Promise<void> {
    const delivery: Delivery = { destination, event, createdAt: new Date().toISOString(), attempts: 0, lastError: null };
    await this.redis.xadd(DELIVERY_KEYS.stream, '*', 'd', JSON.stringify(delivery));
  }

  /** Queues the event unless one of its id was queued before (a producer that re-reads what it
   *  had not acknowledged, after a crash, queues nothing twice); true when it was queued now. */
  async enqueueOnce(destination: Destination, event: DeliveryEvent): Promise<boolean> {
    const delivery: Delivery = { destination, event, createdAt: new Date().toISOString(), attempts: 0, lastError: null };
    return (await this.redis.eval(ENQUEUE_ONCE, 2, DELIVERY_KEYS.queued(event.id), DELIVERY_KEYS.stream, String(QUEUED_TTL_SECONDS), JSON.stringify(delivery))) === 1;
  }

  /** Deliveries that used up their attempts, newest first (for operators). */
  async dead(limit = 100): Promise<Delivery[]> {
    const entries = await this.redis.xrevrange(DELIVERY_KEYS.dead, '+', '-', 'COUNT', limit);
    return entries.map(([, fields]) => JSON.parse(fields[1]!) as Delivery);
  }

  /** Deliveries not yet done (waiting, being sent, or waiting for a retry). */
  async backlog(): Promise<number> {
    const [length, retries] = await Promise.all([this.redis.xlen(DELIVERY_KEYS.stream), this.redis.zcard(DELIVERY_KEYS.retries)]);
    return length + retries;
  }
}

/** Sends what the queue holds until stopped. Its Redis connection is its own: it blocks in XREADGROUP. */
export class DeliveryWorker {
  private running = false;
  private loop: Promise<void> | null = null;
  /** Attempts under way, by stream entry: up to `batch` at once, so one slow receiver holds up no other. */
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(
    private readonly redis: Redis,
    private readonly consumer: string,
    private readonly send: Sender,
    private readonly logger: Logger,
    private readonly settings: DeliverySettings = DEFAULT_DELIVERY_SETTINGS,
  ) {}

  async start(): Promise<void> {
    await this.redis.xgroup('CREATE', DELIVERY_KEYS.stream, DELIVERY_KEYS.group, '0', 'MKSTREAM').catch((err: Error) => {
      if (!err.message.includes('BUSYGROUP')) throw err;
    });
    this.running = true;
    this.loop = this.run();
  }

  /** Stops after the attempts in flight (none is abandoned half-recorded). */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await Promise.all(this.inFlight.values());
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        const room = this.settings.batch - this.inFlight.size;
        if (room <= 0) {
          await Promise.race(this.inFlight.values());
          continue;
        }
        await this.redis.eval(MOVE_DUE, 2, DELIVERY_KEYS.retries, DELIVERY_KEYS.stream, Date.now(), room);
        const claimed = (await this.redis.xautoclaim(DELIVERY_KEYS.stream, DELIVERY_KEYS.group, this.consumer, this.settings.claimIdleMs, '0', 'COUNT', room)) as [string, [string, string[]][]];
        const fresh = (await this.redis.xreadgroup('GROUP', DELIVERY_KEYS.group, this.consumer, 'COUNT', room, 'BLOCK', this.settings.blockMs, 'STREAMS', DELIVERY_KEYS.stream, '>')) as [string, [string, string[]][]][] | null;
        for (const [id, fields] of [...claimed[1], ...(fresh?.[0]?.[1] ?? [])]) {
          if (this.inFlight.has(id)) continue;
          const attempt = this.attempt(id, fields).finally(() => this.inFlight.delete(id));
          this.inFlight.set(id, attempt);
        }
      } catch (err) {
        if (!this.running) break;
        this.logger.warn({ err }, 'delivery loop failed; trying again');
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  }

  /** Never rejects: a failure is recorded as a retry (or a dead letter), or, if even that fails,
   *  the claim stays pending and is taken over later. */
  private async attempt(entryId: string, fields: string[]): Promise<void> {
    await this.tryOnce(entryId, fields).catch((err: unknown) => this.logger.warn({ err }, 'recording a delivery attempt failed; it will be taken over'));
  }

  private async tryOnce(entryId: string, fields: string[]): Promise<void> {
    const raw = fields[1];
    if (!raw) return void (await this.done(entryId));
    const delivery = JSON.parse(raw) as Delivery;
    try {
      await this.send(delivery);
      await this.done(entryId);
    } catch (err) {
      const attempts = delivery.attempts + 1;
      const failed: Delivery = { ...delivery, attempts, lastError: (err as Error).message };
      const multi = this.redis.multi();
      if (attempts >= this.settings.maxAttempts) {
        multi.xadd(DELIVERY_KEYS.dead, 'MAXLEN', '~', 10_000, '*', 'd', JSON.stringify(failed));
        this.logger.warn({ event: delivery.event.id, type: delivery.event.type, kind: delivery.destination.kind, attempts }, 'delivery gave up');
      } else {
        multi.zadd(DELIVERY_KEYS.retries, Date.now() + retryDelayMs(attempts, this.settings.firstRetryMs), JSON.stringify(failed));
      }
      await multi.xack(DELIVERY_KEYS.stream, DELIVERY_KEYS.group, entryId).xdel(DELIVERY_KEYS.stream, entryId).exec();
    }
  }

  private async done(entryId: string): Promise<void> {
    await this.redis.multi().xack(DELIVERY_KEYS.stream, DELIVERY_KEYS.group, entryId).xdel(DELIVERY_KEYS.stream, entryId).exec();
  }
}
