// Downloads from package registries (npm, the Go module proxy, Maven Central, ...) through
// undici, trusting exactly the operator's CA bundle (outbound TLS may pass through a proxy
// whose CA only that bundle holds), each checked against the hash its registry publishes.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
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

/**
 * Downloads `url` to `dest` (complete or not at all) and answers the hex digest of its bytes.
 * A file that cannot be written ends the download: nothing would keep what is still to come.
 */
export async function downloadFile(url: string, dest: string, dispatcher: Dispatcher, algorithm = 'sha256'): Promise<string> {
  const partial = `${dest}.partial-${process.pid}`;
  try {
    const save = (input: Readable) => pipeline(input, createWriteStream(partial));
    const { digest, consumeError } = await hashWhileConsuming(url, algorithm, dispatcher, save, { hashAfterConsumerFails: false });
    if (consumeError) throw new DownloadError(`cannot save ${url}`, consumeError);
    await rename(partial, dest);
    return digest;
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
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

/**
 * Streams `url` into `consume` (an unpacker, say) while hashing it, so nothing waits for the
 * whole download. Every byte is hashed even when `consume` fails early: a download that fails
 * its integrity check says so, whatever `consume` made of it. Whatever `consume` wrote is the
 * caller's to discard when this rejects.
 */
export async function streamVerified(
  url: string,
  expected: { algorithm: string; digest: string },
  dispatcher: Dispatcher,
  consume: (input: Readable) => Promise<void>,
): Promise<void> {
  const { digest, consumeError } = await hashWhileConsuming(url, expected.algorithm, dispatcher, consume, { hashAfterConsumerFails: true });
  if (digest !== expected.digest) {
    throw new DownloadError(`${url} failed its integrity check (${expected.algorithm} ${digest}, expected ${expected.digest})`);
  }
  if (consumeError) throw consumeError;
}

/**
 * The one fetch loop: GETs `url`, hashes its bytes and feeds them to `consume`. A failing
 * consumer never fails the download itself: its error is answered beside the digest, which
 * covers every byte when `hashAfterConsumerFails` (the download goes on, into nowhere) and
 * is partial otherwise (the download stops there). A failing request or a non-200 answer
 * rejects with a DownloadError once the consumer has settled.
 */
async function hashWhileConsuming(
  url: string,
  algorithm: string,
  dispatcher: Dispatcher,
  consume: (input: Readable) => Promise<void>,
  { hashAfterConsumerFails }: { hashAfterConsumerFails: boolean },
): Promise<{ digest: string; consumeError: unknown }> {
  const hash = createHash(algorithm);
  const input = new PassThrough();
  // A consumer that fails may destroy `input` with its error; that error is answered
  // through `consuming`, not as an 'error' event nobody listens to.
  input.on('error', () => {});
  let consumeError: unknown = null;
  const consuming = consume(input).catch((err: unknown) => {
    consumeError = err ?? new Error('failed');
  });
  const consumerGone = () => consumeError !== null || input.destroyed;
  try {
    const response = await request(url, { dispatcher });
    if (response.statusCode !== 200) {
      await response.body.dump();
      throw new DownloadError(`GET ${url} answered ${response.statusCode}`);
    }
    for await (const chunk of response.body) {
      hash.update(chunk as Buffer);
      if (consumerGone()) {
        if (hashAfterConsumerFails) continue;
        break; // leaving the loop destroys the response body, ending the download
      }
      if (!input.write(chunk)) await Promise.race([once(input, 'drain').catch(() => {}), consuming]);
    }
  } catch (err) {
    input.destroy();
    await consuming;
    if (err instanceof DownloadError) throw err;
    throw new DownloadError(`cannot download ${url}`, err);
  }
  input.end();
  await consuming;
  return { digest: hash.digest('hex'), consumeError };
}
