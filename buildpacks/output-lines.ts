// Build command output, bounded: Docker's multiplexed exec stream split into lines of at most
// `maxLineBytes` (the rest of a longer line is dropped, with a note), each line handed on only
// after the previous one was taken, so a slow reader slows the command instead of filling memory.
import { Writable } from 'node:stream';
import type { BuildLog } from './log.js';

export const lineCutNote = (maxLineBytes: number): string => ` [line cut at ${maxLineBytes} bytes]`;

/** Splits bytes into lines, keeping at most `maxLineBytes` of each. */
export class LineSplitter {
  private parts: Buffer[] = [];
  private length = 0;
  private cut = false;

  constructor(
    private readonly maxLineBytes: number,
    private readonly onLine: BuildLog,
  ) {}

  async write(chunk: Buffer): Promise<void> {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(10, start);
      this.keep(chunk.subarray(start, newline === -1 ? chunk.length : newline));
      if (newline === -1) return;
      await this.emit();
      start = newline + 1;
    }
  }

  /** The last line, if it had no newline. */
  async end(): Promise<void> {
    if (this.length > 0 || this.cut) await this.emit();
  }

  private keep(bytes: Buffer): void {
    if (this.cut || bytes.length === 0) return;
    const room = this.maxLineBytes - this.length;
    if (bytes.length > room) {
      this.cut = true;
      bytes = bytes.subarray(0, room);
    }
    this.parts.push(Buffer.from(bytes));
    this.length += bytes.length;
  }

  private async emit(): Promise<void> {
    const text = Buffer.concat(this.parts, this.length).toString('utf8').replace(/\r+$/, '');
    const line = this.cut ? `${text}${lineCutNote(this.maxLineBytes)}` : text;
    this.parts = [];
    this.length = 0;
    this.cut = false;
    await this.onLine(line);
  }
}

const HEADER_BYTES = 8;

/**
 * A writable for a non-TTY `docker exec` stream (8-byte frame headers: stream type, size):
 * stdout and stderr are split into lines separately, so a partial stdout line never swallows
 * a stderr line. A write completes only when its lines were taken (backpressure).
 */
export function dockerOutputLines(maxLineBytes: number, onLine: BuildLog): Writable {
  const splitters = [new LineSplitter(maxLineBytes, onLine), new LineSplitter(maxLineBytes, onLine)] as const;
  let pending = Buffer.alloc(0);
  let frame: { splitter: LineSplitter; remaining: number } | null = null;

  async function take(chunk: Buffer): Promise<void> {
    let data = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
    pending = Buffer.alloc(0);
    while (data.length > 0) {
      if (!frame) {
        if (data.length < HEADER_BYTES) {
          pending = Buffer.from(data);
          return;
        }
        frame = { splitter: data[0] === 2 ? splitters[1] : splitters[0], remaining: data.readUInt32BE(4) };
        data = data.subarray(HEADER_BYTES);
      }
      const body = data.subarray(0, frame.remaining);
      frame.remaining -= body.length;
      data = data.subarray(body.length);
      const { splitter } = frame;
      if (frame.remaining === 0) frame = null;
      await splitter.write(body);
    }
  }

  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      take(chunk).then(() => callback(), callback);
    },
    final(callback) {
      Promise.all(splitters.map((s) => s.end())).then(() => callback(), callback);
    },
  });
}
