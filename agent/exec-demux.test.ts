import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { StdoutDemux } from './exec-demux.js';

const frame = (type: number, text: string) => {
  const payload = Buffer.from(text);
  const head = Buffer.alloc(8);
  head[0] = type;
  head.writeUInt32BE(payload.length, 4);
  return Buffer.concat([head, payload]);
};

describe('Docker exec output, demultiplexed', () => {
  it('passes stdout on, keeps stderr aside, whatever the piece boundaries', async () => {
    const all = Buffer.concat([frame(1, 'PGDMP'), frame(2, 'warning: x\n'), frame(1, '-rest')]);
    const pieces = Array.from(all).map((byte) => Buffer.from([byte]));
    const demux = new StdoutDemux();
    expect((await buffer(Readable.from(pieces).pipe(demux))).toString()).toBe('PGDMP-rest');
    expect(demux.stderr).toBe('warning: x\n');
  });

  it('fails on output cut inside a frame', async () => {
    const demux = new StdoutDemux();
    await expect(buffer(Readable.from([frame(1, 'abc').subarray(0, 9)]).pipe(demux))).rejects.toThrow(/inside a frame/);
  });
});
