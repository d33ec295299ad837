// Hands each usage record to the provider's billing system: a consumer group over the ledger
// puts every record on the delivery queue (signed webhooks, retried with backoff), acknowledging
// it only once queued. A control plane that dies re-reads what it had not acknowledged, and the
// record's key is the webhook's id: at least once on the wire, exactly once for a receiver that
// keeps the ids it has seen.
import type { Redis } from 'ioredis';
import type { Logger } from '../../common/logger.js';
import type { DeliveryQueue } from '../delivery/queue.js';
import { keys } from '../store/keys.js';
import type { UsageRecord } from './records.js';

export interface BillingWebhook {
  url: string;
  secret: string;
}

export class BillingForwarder {
  private stopped = false;
  private running: Promise<void> | null = null;

  constructor(
    /** a connection of its own: it blocks on XREADGROUP */
    private readonly redis: Redis,
    private readonly deliveries: Pick<DeliveryQueue, 'enqueueOnce'>,
    private readonly webhook: BillingWebhook,
    private readonly consumer: string,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    try {
      await this.redis.xgroup('CREATE', keys.usageLedger, keys.usageForwarderGroup, '0', 'MKSTREAM');
    } catch (err) {
      if (!String(err).includes('BUSYGROUP')) throw err;
    }
    this.running = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.redis.disconnect();
    await this.running?.catch(() => {});
  }

  private async run(): Promise<void> {
    // first what this consumer took and did not acknowledge (it died), then new records
    let cursor = '0';
    while (!this.stopped) {
      try {
        const answer = (await this.redis.xreadgroup('GROUP', keys.usageForwarderGroup, this.consumer, 'COUNT', 100, 'BLOCK', 1000, 'STREAMS', keys.usageLedger, cursor)) as [string, [string, string[]][]][] | null;
        const entries = answer?.[0]?.[1] ?? [];
        if (cursor === '0' && entries.length === 0) cursor = '>';
        for (const [id, fields] of entries) {
          const record = JSON.parse(fields[1]!) as UsageRecord;
          // once per record: a forwarder that died before its acknowledgement re-reads it
          await this.deliveries.enqueueOnce({ kind: 'webhook', url: this.webhook.url, secret: this.webhook.secret }, { id: `usage:${record.key}`, type: 'usage.recorded', payload: record });
          await this.redis.xack(keys.usageLedger, keys.usageForwarderGroup, id);
        }
      } catch (err) {
        if (this.stopped) return;
        this.logger.warn({ err }, 'forwarding usage to billing failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }
}
