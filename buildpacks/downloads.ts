// Downloads from package registries (npm, the Go module proxy, Maven Central, ...) through
// undici, trusting exactly the operator's CA bundle (outbound TLS may pass through a proxy
// whose CA only that bundle holds), each checked against the hash its registry publishes.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Agent, request, type Dispatcher } from 'undici';
import { SlipwayError } from '../common/errors.js';

export class DownloadError extends SlipwayError {
  override name = 'DownloadError';
  constructor(message: string, cause?: unknown) {
    super('download_error', message, { status: 502, expose: true, cause });
  }
}

/** A dispatcher trusting exactly the certificates in `caFile`; close it when done. */
export async function outboundDispatcher(caFile: string): Promise<Agent> {
  return new Agent({ connect: { ca: await readFile(caFile, 'utf8') }, headersTimeout: 60_000, bodyTimeout: 300_000 });
}

/** Downloads `url` to `dest` (complete or not at all) and answers the hex digest of its bytes. */
export async function downloadFile(url: string, dest: string, dispatcher: Dispatcher, algorithm = 'sha256'): Promise<string> {
  const hash = createHash(algorithm);
  const partial = `${dest}.partial-${process.pid}`;
  try {
    const response = await request(url, { dispatcher });
    if (response.statusCode !== 200) {
      await response.body.dump();
      throw new DownloadError(`GET ${url} answered ${response.statusCode}`);
    }
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        callback(null, chunk);
      },
    });
    await pipeline(response.body, hashing, createWriteStream(partial));
    await rename(partial, dest);
    return hash.digest('hex');
  } catch (err) {
    await rm(partial, { force: true });
    if (err instanceof DownloadError) throw err;
    throw new DownloadError(`cannot download ${url}`, err);
  }
}

/** Downloads `url` to `dest`, failing unless its hash matches the registry's integrity. */
export async function downloadVerified(
  url: string,
  expected: { algorithm: string; digest: string },
  dest: string,
  dispatcher: Dispatcher,
): Promise<void> {
  const actual = await downloadFile(url, dest, dispatcher, expected.algorithm);
  if (actual !== expected.digest) {
    await rm(dest, { force: true });
    throw new DownloadError(`${url} failed its integrity check (${expected.algorithm} ${actual}, expected ${expected.digest})`);
  }
}
