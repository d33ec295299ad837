// One drain's delivery: lines are offered (never waiting) into its bounded buffer and sent in
// batches by its own loop, so a slow or dead drain holds up nobody but itself. A failed send is
// retried with backoff (a new connection each time), meanwhile the buffer keeps the newest
// lines and counts what it drops; once lines go through again the drops are reported (Heroku's
// L10).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../common/logger.js';
import type { LogLine } from '../../common/protocol.js';
import { BoundedBuffer, type DropReport } from './buffer.js';
import { DrainRefusedError, type DrainTransport } from './transports.js';
import { redactedUrl } from './url.js';

export interface ForwarderOptions {
  /** lines held while the drain is slow or down */
  capacity: number;
  /** lines per send (one HTTPS request, one TCP write) */
  batchLines: number;
  retry: { baseMs: number; capMs: number };
  /** Tells the app (its log) how many lines this drain lost. */
  report(drops: DropReport): void;
  delivered?(count: number): void;
  dropped?(count: number): void;
  logger: Logger;
}

/** Pure: the wait before the next attempt after `failures` failed ones in a row. */
export function retryDelayMs(failures: number, retry: { baseMs: number; capMs: number }): number {
  return Math.min(retry.capMs, retry.baseMs * 2 ** Math.max(0, failures - 1));
}

/** Pure: Heroku's L10 wording, naming the drain (the line goes to every drain of the app). */
export function dropMessage(drops: DropReport, drainToken: string): string {
  return `Error L10 (output buffer overflow): ${drops.count} messages dropped since ${drops.since.toISOString()} on drain ${drainToken}.`;
}

export class DrainForwarder {
  private readonly buffer: BoundedBuffer<LogLine>;
  private readonly abort = new AbortController();
  private loop: Promise<void> | null = null;

  constructor(
    readonly drain: { id: string; token: string; url: string },
    private readonly transport: DrainTransport,
    private readonly options: ForwarderOptions,
  ) {
    this.buffer = new BoundedBuffer(options.capacity);
  }

  /** Queues a line for the drain; when the buffer is full the oldest line is dropped. */
  offer(line: LogLine): void {
    if (!this.buffer.push(line)) this.options.dropped?.(1);
  }

  start(): void {
    this.loop ??= this.run().catch((err: unknown) => this.options.logger.error({ err }, 'drain forwarder stopped'));
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.transport.close();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { signal } = this.abort;
    const log = this.options.logger.child({ drain: this.drain.id, url: redactedUrl(this.drain.url) });
    let batch: LogLine[] | null = null;
    let failures = 0;
    while (!signal.aborted) {
      if (!batch) {
        await this.buffer.waitForItems(signal);
        if (signal.aborted) break;
        batch = this.buffer.take(this.options.batchLines);
      }
      try {
        await this.transport.send(batch);
        this.options.delivered?.(batch.length);
        batch = null;
        if (failures > 0) log.info({ failures }, 'drain reachable again');
        failures = 0;
        const drops = this.buffer.takeDropReport();
        if (drops) this.options.report(drops);
      } catch (err) {
        if (signal.aborted) break;
        if (err instanceof DrainRefusedError && batch) {
          this.buffer.countDrops(batch.length);
          this.options.dropped?.(batch.length);
          batch = null;
        }
        failures++;
        if (failures === 1) log.warn({ err }, 'drain did not take lines; retrying with backoff');
        await sleep(retryDelayMs(failures, this.options.retry), undefined, { signal }).catch(() => {});
      }
    }
  }
}
