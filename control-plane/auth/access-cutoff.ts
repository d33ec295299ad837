// A stream a request keeps open (a log tail) outlives the token check made when it began.
// When an operator disables an account or a token is revoked, every control plane ends the
// streams opened with it: the change is announced on NATS (not a queue group: each control
// plane holds its own streams) and each one aborts the matching streams it holds.
import type { NatsConnection, Subscription } from 'nats';
import { z } from 'zod';
import type { Logger } from '../../common/logger.js';
import { decode, encode, subjects } from '../../common/protocol.js';

const cutoffMessage = z.object({ userId: z.string(), tokenIds: z.union([z.literal('all'), z.array(z.string())]) });
/** Whose streams end: every one of a user's, or those opened with the named tokens. */
export type Cutoff = z.infer<typeof cutoffMessage>;

interface OpenStream {
  userId: string;
  tokenId: string;
  abort: () => void;
}

/** Pure: whether `cutoff` ends `stream`. */
export function cutoffEnds(cutoff: Cutoff, stream: Pick<OpenStream, 'userId' | 'tokenId'>): boolean {
  return stream.userId === cutoff.userId && (cutoff.tokenIds === 'all' || cutoff.tokenIds.includes(stream.tokenId));
}

export class AccessCutoff {
  private readonly open = new Set<OpenStream>();
  private subscription: Subscription | null = null;

  constructor(
    private readonly nats: NatsConnection,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.subscription = this.nats.subscribe(subjects.accessCutoff, {
      callback: (err, message) => {
        if (err) return;
        try {
          this.apply(decode(cutoffMessage, message.data));
        } catch (error) {
          this.logger.warn({ err: error }, 'ignored a malformed access cutoff');
        }
      },
    });
  }

  stop(): void {
    this.subscription?.unsubscribe();
    this.subscription = null;
  }

  /** Holds `abort` until the stream ends (call the returned function then). */
  track(userId: string, tokenId: string, abort: () => void): () => void {
    const stream = { userId, tokenId, abort };
    this.open.add(stream);
    return () => this.open.delete(stream);
  }

  /** Ends the matching streams here at once, and tells the other control planes (not waiting:
   *  nats.js keeps the message while it reconnects, and the API answer must not hang on NATS). */
  announce(cutoff: Cutoff): void {
    this.apply(cutoff);
    try {
      this.nats.publish(subjects.accessCutoff, encode(cutoff));
    } catch (err) {
      this.logger.warn({ err }, 'could not announce an access cutoff to other control planes');
    }
  }

  private apply(cutoff: Cutoff): void {
    for (const stream of this.open) {
      if (!cutoffEnds(cutoff, stream)) continue;
      this.open.delete(stream);
      stream.abort();
    }
  }
}
