// The push size limit. git itself enforces it (receive.maxInputSize: index-pack stops reading
// past it, and the quarantined objects are dropped, so nothing is stored and no hook runs);
// git's own words ("pack exceeds maximum allowed size") get a line of ours with the numbers,
// sent on the side band the pusher's git prints as `remote: …`.
import { Transform, type TransformCallback } from 'node:stream';

/** Pure: the environment that gives receive-pack the limit (git ≥ 2.31 reads config from env). */
export function pushLimitGitEnv(maxBytes: number): Record<string, string> {
  return { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'receive.maxInputSize', GIT_CONFIG_VALUE_0: String(maxBytes) };
}

/** What git's index-pack says when it stops at receive.maxInputSize. */
export const GIT_OVERSIZED_PACK = 'pack exceeds maximum allowed size';

/** Pure: a pkt-line on side band 2 (progress and messages). */
export function sidebandMessage(text: string): Buffer {
  const payload = Buffer.concat([Buffer.from([2]), Buffer.from(`${text}\n`)]);
  return Buffer.concat([Buffer.from((payload.length + 4).toString(16).padStart(4, '0')), payload]);
}

export function oversizedPushMessage(maxBytes: number): string {
  const mb = (maxBytes / 1_048_576).toFixed(1);
  return `Push refused: its pack is larger than this platform's limit of ${maxBytes} bytes (${mb} MiB). Nothing was stored; the app keeps its current release.`;
}

/**
 * Passes receive-pack's (side-band) response through; when git stopped at the size limit, adds
 * `message` before the final flush packet. The last 4 bytes are held back until the end to find it.
 */
export class OversizedPushNote extends Transform {
  private held = Buffer.alloc(0);
  private tail = '';
  private oversized = false;

  constructor(private readonly message: string) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const text = this.tail + chunk.toString('latin1');
    if (text.includes(GIT_OVERSIZED_PACK)) this.oversized = true;
    this.tail = text.slice(-GIT_OVERSIZED_PACK.length);
    const all = Buffer.concat([this.held, chunk]);
    this.held = all.subarray(Math.max(0, all.length - 4));
    done(null, all.subarray(0, all.length - this.held.length));
  }

  override _flush(done: TransformCallback): void {
    if (this.oversized && this.held.toString('latin1') === '0000') this.push(sidebandMessage(this.message));
    done(null, this.held);
  }
}
