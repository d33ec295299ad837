// Docker's multiplexed exec output (8-byte frame headers: stream type, length) as a Transform
// that passes stdout on and keeps stderr's tail aside. Unlike dockerode's demuxStream, it honours
// backpressure, so a slow consumer (an upload) slows the command instead of filling memory.
import { Transform, type TransformCallback } from 'node:stream';

const STDERR_KEPT = 8 * 1024;

export class StdoutDemux extends Transform {
  private buffered: Buffer = Buffer.alloc(0);
  private stderrTail = '';

  /** The last few KiB the command wrote to stderr. */
  get stderr(): string {
    return this.stderrTail;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 8) {
      const length = this.buffered.readUInt32BE(4);
      if (this.buffered.length < 8 + length) break;
      const payload = this.buffered.subarray(8, 8 + length);
      if (this.buffered[0] === 2) this.stderrTail = (this.stderrTail + payload.toString('utf8')).slice(-STDERR_KEPT);
      else if (payload.length > 0) this.push(payload);
      this.buffered = this.buffered.subarray(8 + length);
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    callback(this.buffered.length > 0 ? new Error('the command’s output ended inside a frame') : null);
  }
}
