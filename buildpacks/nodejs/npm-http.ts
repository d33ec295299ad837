// HTTP to the npm registry through undici, trusting the configured CA bundle (outbound TLS
// may pass through a proxy whose CA only that bundle holds).
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Agent, request, type Dispatcher } from 'undici';
import { SlipwayError } from '../../common/errors.js';

export class NpmRegistryError extends SlipwayError {
  override name = 'NpmRegistryError';
  constructor(message: string, cause?: unknown) {
    super('npm_registry_error', message, { status: 502, expose: true, cause });
  }
}

/** A dispatcher trusting exactly the certificates in `caFile`; close it when done. */
export async function npmDispatcher(caFile: string): Promise<Agent> {
  return new Agent({ connect: { ca: await readFile(caFile, 'utf8') }, headersTimeout: 60_000, bodyTimeout: 300_000 });
}

/** The strongest hash of an npm `integrity` string (or the legacy sha1 `shasum`) to check against. */
export function expectedHash(integrity: string | undefined, shasum: string | undefined): { algorithm: string; digest: string } | null {
  const candidates = (integrity ?? '').split(/\s+/).filter(Boolean);
  for (const algorithm of ['sha512', 'sha384', 'sha256']) {
    const entry = candidates.find((c) => c.startsWith(`${algorithm}-`));
    if (entry) return { algorithm, digest: Buffer.from(entry.slice(algorithm.length + 1), 'base64').toString('hex') };
  }
  return shasum ? { algorithm: 'sha1', digest: shasum.toLowerCase() } : null;
}

/** Downloads `url` to `dest`, failing unless its hash matches the registry's integrity. */
export async function downloadVerified(
  url: string,
  expected: { algorithm: string; digest: string },
  dest: string,
  dispatcher: Dispatcher,
): Promise<void> {
  const hash = createHash(expected.algorithm);
  const partial = `${dest}.partial-${process.pid}`;
  try {
    const response = await request(url, { dispatcher });
    if (response.statusCode !== 200) {
      await response.body.dump();
      throw new NpmRegistryError(`GET ${url} answered ${response.statusCode}`);
    }
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        callback(null, chunk);
      },
    });
    await pipeline(response.body, hashing, createWriteStream(partial));
    const actual = hash.digest('hex');
    if (actual !== expected.digest) {
      throw new NpmRegistryError(`${url} failed its integrity check (${expected.algorithm} ${actual}, expected ${expected.digest})`);
    }
    await rename(partial, dest);
  } catch (err) {
    await rm(partial, { force: true });
    if (err instanceof NpmRegistryError) throw err;
    throw new NpmRegistryError(`cannot download ${url}`, err);
  }
}
