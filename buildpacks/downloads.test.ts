import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DownloadError, downloadFile, downloadVerified, streamVerified } from './downloads.js';

// 4 MB in 64 kB writes: the consumer sees it in many chunks, with backpressure.
const BODY = Buffer.alloc(4 << 20, 'slipway-');
const sha256 = (data: Buffer) => ({ algorithm: 'sha256', digest: createHash('sha256').update(data).digest('hex') });

let server: Server;
// Whether each answer to /slow was sent to its end before its connection closed.
const slowAnswersFinished: boolean[] = [];
let base: string;
let scratch: string;
const dispatcher = new Agent();
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/missing') return void res.writeHead(404).end('not here');
    if (req.url === '/slow') return void sendSlowly(res);
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const body = req.url === '/tampered' ? Buffer.concat([BODY.subarray(0, 1000), Buffer.from('X'), BODY.subarray(1001)]) : BODY;
    let offset = 0;
    const writeMore = () => {
      while (offset < body.length) {
        const chunk = body.subarray(offset, (offset += 65536));
        if (!res.write(chunk)) return void res.once('drain', writeMore);
      }
      res.end();
    };
    writeMore();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  scratch = await mkdtemp(join(tmpdir(), 'slipway-downloads-'));
});
// BODY in 64 writes 5 ms apart: a client that stops reading closes the connection midway.
function sendSlowly(res: ServerResponse) {
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  res.once('close', () => slowAnswersFinished.push(res.writableFinished));
  let offset = 0;
  const timer = setInterval(() => {
    if (res.destroyed) return clearInterval(timer);
    res.write(BODY.subarray(offset, (offset += BODY.length / 64)));
    if (offset >= BODY.length) {
      clearInterval(timer);
      res.end();
    }
  }, 5);
}

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
  await dispatcher.close();
  server.close();
});

async function collect(input: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('streamVerified', () => {
  it('hands every byte to the consumer and resolves when the hash matches', async () => {
    let received: Buffer | null = null;
    await streamVerified(`${base}/file`, sha256(BODY), dispatcher, async (input) => void (received = await collect(input)));
    expect(received!.equals(BODY)).toBe(true);
  });

  it('says the integrity check failed, even when the consumer gave up on the bad bytes first', async () => {
    const consume = async (input: Readable) => {
      for await (const _chunk of input) throw new Error('corrupt archive');
    };
    await expect(streamVerified(`${base}/tampered`, sha256(BODY), dispatcher, consume)).rejects.toThrow(/failed its integrity check/);
  });

  it("answers the consumer's own failure when the bytes are the published ones", async () => {
    const consume = async (input: Readable) => {
      for await (const _chunk of input) throw new Error('disk full');
    };
    await expect(streamVerified(`${base}/file`, sha256(BODY), dispatcher, consume)).rejects.toThrow('disk full');
  });

  it('fails with a DownloadError naming the status, the consumer seeing an aborted stream', async () => {
    let consumerFailed = false;
    const consume = async (input: Readable) => {
      await collect(input).catch(() => (consumerFailed = true));
    };
    const failure = streamVerified(`${base}/missing`, sha256(BODY), dispatcher, consume);
    await expect(failure).rejects.toThrow(DownloadError);
    await expect(failure).rejects.toThrow(/answered 404/);
    expect(consumerFailed).toBe(true);
  });
});

describe('downloadFile and downloadVerified', () => {
  it('saves the whole body and answers its digest', async () => {
    const dest = join(scratch, 'whole');
    expect(await downloadFile(`${base}/file`, dest, dispatcher)).toBe(sha256(BODY).digest);
    expect((await readFile(dest)).equals(BODY)).toBe(true);
  });

  it('leaves nothing behind when the registry answers an error', async () => {
    const dest = join(scratch, 'missing', 'file');
    await rm(join(scratch, 'missing'), { recursive: true, force: true });
    await mkdir(join(scratch, 'missing'));
    await expect(downloadFile(`${base}/missing`, dest, dispatcher)).rejects.toThrow(/answered 404/);
    expect(await readdir(join(scratch, 'missing'))).toEqual([]);
  });

  it('fails with a DownloadError when the file cannot be written, and keeps no partial file', async () => {
    const dest = join(scratch, 'no-such-dir', 'file');
    await expect(downloadFile(`${base}/file`, dest, dispatcher)).rejects.toThrow(/cannot save/);
    await expect(downloadFile(`${base}/file`, dest, dispatcher)).rejects.toBeInstanceOf(DownloadError);
  });

  it('stops downloading once the file cannot be written', async () => {
    slowAnswersFinished.length = 0;
    const dest = join(scratch, 'no-such-dir', 'file');
    await expect(downloadFile(`${base}/slow`, dest, dispatcher)).rejects.toThrow(/cannot save/);
    await expect.poll(() => slowAnswersFinished).toEqual([false]);
  });

  it('downloads a slow answer to its end when the file can be written', async () => {
    slowAnswersFinished.length = 0;
    const dest = join(scratch, 'slow');
    expect(await downloadFile(`${base}/slow`, dest, dispatcher)).toBe(sha256(BODY).digest);
    await expect.poll(() => slowAnswersFinished).toEqual([true]);
  });

  it('removes a download whose hash is not the published one', async () => {
    const dest = join(scratch, 'tampered');
    await expect(downloadVerified(`${base}/tampered`, sha256(BODY), dest, dispatcher)).rejects.toThrow(/failed its integrity check/);
    expect((await readdir(scratch)).filter((name) => name.startsWith('tampered'))).toEqual([]);
  });
});
