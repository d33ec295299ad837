import { describe, expect, it } from 'vitest';
import { dockerOutputLines, LineSplitter } from './output-lines.js';

const frame = (stream: 1 | 2, text: string) => {
  const body = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
};

describe('LineSplitter', () => {
  it('cuts long lines with a note, across chunks, and keeps the next line whole', async () => {
    const lines: string[] = [];
    const splitter = new LineSplitter(8, (line) => void lines.push(line));
    await splitter.write(Buffer.from('0123456'));
    await splitter.write(Buffer.from('789abc\r\nshort\nlast'));
    await splitter.end();
    expect(lines).toEqual(['01234567 [line cut at 8 bytes]', 'short', 'last']);
  });

  it('waits for each line to be taken before the next', async () => {
    const order: string[] = [];
    let release!: () => void;
    const splitter = new LineSplitter(100, (line) => {
      order.push(line);
      if (line === 'a') return new Promise<void>((resolve) => (release = resolve));
    });
    const writing = splitter.write(Buffer.from('a\nb\n'));
    await Promise.resolve();
    expect(order).toEqual(['a']);
    release();
    await writing;
    expect(order).toEqual(['a', 'b']);
  });
});

describe('dockerOutputLines', () => {
  it('splits stdout and stderr separately, across frame and chunk boundaries', async () => {
    const lines: string[] = [];
    const writer = dockerOutputLines(1024, (line) => void lines.push(line));
    const bytes = Buffer.concat([frame(1, 'out-'), frame(2, 'err\n'), frame(1, 'line\n')]);
    for (let i = 0; i < bytes.length; i += 3) writer.write(bytes.subarray(i, i + 3));
    await new Promise<void>((resolve) => writer.end(resolve));
    expect(lines).toEqual(['err', 'out-line']);
  });
});
